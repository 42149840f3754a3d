import { lazy, Suspense } from 'react';
import { Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/ErrorAlert';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage, RouteErrorBoundary } from './pages/NotFoundPage';

// Each page beyond login is a chunk of its own, loaded when it is first
// opened; the staff shell and the study list share one (staff.ts).
const StaffLayout = lazy(() => import('./staff').then((m) => ({ default: m.StaffLayout })));
const StudyListPage = lazy(() => import('./staff').then((m) => ({ default: m.StudyListPage })));
const ParticipationPage = lazy(() => import('./expert/ParticipationPage'));
const StudyHome = lazy(() => import('./pages/StudyHome'));
const StudyPage = lazy(() => import('./pages/StudyPage'));
const RoundsPage = lazy(() => import('./rounds/RoundsPage'));
const PanelPage = lazy(() => import('./panel/PanelPage'));
const InvitationsPage = lazy(() => import('./panel/InvitationsPage'));
const ResultsPage = lazy(() => import('./pages/ResultsPage'));
const UsersPage = lazy(() => import('./pages/UsersPage'));
const ReportingPage = lazy(() => import('./reporting/ReportingPage'));
const CurationPage = lazy(() => import('./curation/CurationPage'));

/**
 * The route table, shared by the browser (main.tsx, in a BrowserRouter) and
 * the tests (in a MemoryRouter). A page that fails to render (e.g. a chunk
 * that cannot be loaded) shows the error page until the next navigation.
 */
export function AppRoutes() {
  const { pathname } = useLocation();
  return (
    <RouteErrorBoundary key={pathname}>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="login" element={<LoginPage />} />
          {/* Experts' personal link; its own page, outside the staff shell. */}
          <Route path="p/:token" element={<ParticipationPage />} />
          <Route element={<StaffLayout />}>
            <Route index element={<StudyListPage />} />
            <Route path="surveys/:id" element={<StudyHome />} />
            <Route path="surveys/:id/definition" element={<StudyPage />} />
            <Route path="surveys/:id/rounds" element={<RoundsPage />} />
            <Route path="surveys/:id/panel" element={<PanelPage />} />
            <Route path="surveys/:id/rounds/:n/invitations" element={<InvitationsPage />} />
            <Route path="surveys/:id/results" element={<ResultsPage />} />
            <Route path="surveys/:id/reporting" element={<ReportingPage />} />
            <Route path="surveys/:id/curation" element={<CurationPage />} />
            <Route path="users" element={<UsersPage />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Suspense>
    </RouteErrorBoundary>
  );
}
