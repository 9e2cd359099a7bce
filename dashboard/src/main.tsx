/** The dashboard: a top bar and four pages routed from the URL (which holds every page's state). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SessionResponse } from '../../src/server/api-types.js';
import { adoptTokenFromUrl, api } from './api.js';
import { ComparePage } from './pages/compare.js';
import { LaunchPage } from './pages/launch.js';
import { LivePage } from './pages/live.js';
import { RunsPage } from './pages/runs.js';
import { WorkflowPage } from './pages/workflow.js';
import { onLinkClick, useRoute } from './route.js';
import './styles.css';

adoptTokenFromUrl();

function App() {
  const route = useRoute();
  const [session, setSession] = useState<SessionResponse | null>(null);
  useEffect(() => {
    api.get<SessionResponse>('/api/session').then(setSession, () => undefined);
  }, []);
  const runMatch = /^\/runs\/([^/]+)\/?$/.exec(route.path);
  const workflowMatch = /^\/workflows\/([^/]+)\/?$/.exec(route.path);
  const section = runMatch || workflowMatch || route.path === '/' || route.path === '/runs' ? 'runs' : route.path.slice(1);
  let page;
  if (runMatch) page = <LivePage key={runMatch[1]} runId={decodeURIComponent(runMatch[1]!)} route={route} />;
  else if (workflowMatch) page = <WorkflowPage key={workflowMatch[1]} runId={decodeURIComponent(workflowMatch[1]!)} route={route} />;
  else if (route.path === '/' || route.path === '/runs') page = <RunsPage route={route} />;
  else if (route.path === '/compare') page = <ComparePage route={route} />;
  else if (route.path === '/launch') page = <LaunchPage route={route} />;
  else page = <div class="page"><h1>Not found</h1><p>No page at {route.path}. <a href="/">All runs</a></p></div>;
  useEffect(() => {
    const id = runMatch?.[1] ?? workflowMatch?.[1];
    document.title = `${id ? decodeURIComponent(id) : section === 'runs' ? 'Runs' : section[0]?.toUpperCase() + section.slice(1)} · metaorch`;
  }, [route.path]);
  return (
    <div class="app" onClick={(e) => onLinkClick(e as unknown as MouseEvent)}>
      <header class="topbar">
        <a href="/" class="brand">
          <img src="/favicon.svg" alt="" width="22" height="22" /> meta-orchestrator
        </a>
        <nav>
          <a href="/" class={section === 'runs' ? 'active' : ''}>Runs</a>
          <a href="/compare" class={section === 'compare' ? 'active' : ''}>Compare</a>
          <a href="/launch" class={section === 'launch' ? 'active' : ''}>Launch</a>
        </nav>
        <div class="topbar-info muted small" title={session?.db}>
          {session ? `store: ${shortPath(session.db, session.project)} · v${session.version}` : ''}
        </div>
      </header>
      <main>{page}</main>
    </div>
  );
}

function shortPath(path: string, project: string): string {
  return path.startsWith(`${project}/`) ? path.slice(project.length + 1) : path;
}

render(<App />, document.getElementById('app')!);
