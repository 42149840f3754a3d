import { Outlet, type RouteObject } from 'react-router';
import { Loading } from './components/ErrorAlert';
import { StaffLayout } from './components/StaffLayout';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage, RouteError } from './pages/NotFoundPage';
import { StudyListPage } from './pages/StudyListPage';

/** The route table, shared by the browser router (main.tsx) and the tests. */
export const routes: RouteObject[] = [
  {
    path: '/',
    Component: Outlet,
    HydrateFallback: Loading,
    ErrorBoundary: RouteError,
    children: [
      { path: 'login', Component: LoginPage },
      {
        // Experts' personal link; its own page, outside the staff shell.
        path: 'p/:token',
        lazy: async () => ({ Component: (await import('./expert/ParticipationPage')).default }),
      },
      {
        Component: StaffLayout,
        children: [
          { index: true, Component: StudyListPage },
          {
            path: 'surveys/:id',
            lazy: async () => ({ Component: (await import('./pages/StudyPage')).default }),
          },
          {
            path: 'surveys/:id/rounds',
            lazy: async () => ({ Component: (await import('./rounds/RoundsPage')).default }),
          },
          {
            path: 'surveys/:id/panel',
            lazy: async () => ({ Component: (await import('./panel/PanelPage')).default }),
          },
          {
            path: 'surveys/:id/rounds/:n/invitations',
            lazy: async () => ({ Component: (await import('./panel/InvitationsPage')).default }),
          },
          {
            path: 'surveys/:id/results',
            lazy: async () => ({ Component: (await import('./pages/ResultsPage')).default }),
          },
          {
            path: 'users',
            lazy: async () => ({ Component: (await import('./pages/UsersPage')).default }),
          },
        ],
      },
      { path: '*', Component: NotFoundPage },
    ],
  },
];
