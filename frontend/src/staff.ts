// The staff's shell and first page, one chunk loaded after login (the entry
// holds only what the login page and the expert's link need).
export { StaffLayout } from './components/StaffLayout';
export { StudyListPage } from './pages/StudyListPage';
