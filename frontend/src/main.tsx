import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { initLanguage } from './i18n';
import { AppRoutes } from './routes';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing in index.html');
// The remembered language's texts come first (a chunk of their own).
initLanguage().then(
  () =>
    createRoot(root).render(
      <StrictMode>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </StrictMode>,
    ),
  () => {
    root.textContent = 'Expertenrunde: die Seite konnte nicht geladen werden. / The page could not be loaded. Bitte neu laden. / Please reload.';
  },
);
