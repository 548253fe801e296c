/** The renderer's entry: pick the transport (Electron bridge or browser-mode WebSocket) and mount the window. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { createClient } from './transport/client';
import './styles.css';
import './guard.css';

const root = document.getElementById('root');
if (root) {
  const { client, connection } = createClient();
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary>
        <App client={client} connection={connection} />
      </ErrorBoundary>
    </StrictMode>,
  );
}
