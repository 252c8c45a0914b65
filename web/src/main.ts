// Placeholder until the real web app lands: proves the page, the API path and the CSP work end to end.

const status = document.querySelector<HTMLParagraphElement>('#status');

async function showHealth(): Promise<void> {
  if (!status) return;
  try {
    const response = await fetch('/api/health', { headers: { accept: 'application/json' } });
    const body: unknown = await response.json();
    const state =
      typeof body === 'object' && body !== null && 'status' in body ? String(body.status) : 'unknown';
    status.textContent = `API status: ${state}`;
  } catch {
    status.textContent = 'API unreachable';
  }
}

void showHealth();
