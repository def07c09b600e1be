/**
 * `npm run screenshot:cluster`: makes the README's cluster picture, media/screenshots/cluster-nodes.png.
 * Not part of `npm test`.
 *
 * Starts the three-node test cluster (scripts/start-cluster.sh: burrow-c1..c3@localhost, AMQP
 * 5681-5683, management 15681-15683), declares a quorum queue with 3 replicas holding a few messages
 * in a throw-away vhost, stops burrow-c3's RabbitMQ application (`rabbitmqctl stop_app`), then opens
 * Burrow in the e2e harness's real VS Code (code-server + headless Chromium; packages the extension
 * with `npm run package` unless BURROW_VSIX is set) with one connection profile on all three nodes.
 * It expands the connection's Nodes row (burrow-c3 down) and the vhost's queue, hovers the queue so
 * its tooltip shows the leader and members (one offline), and saves the window. Afterwards, always:
 * starts burrow-c3's application again, deletes the vhost and stops the cluster
 * (scripts/stop-cluster.sh, which removes .tools/cluster/).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO_ROOT,
  burrowContainer,
  connectionReady,
  expandRow,
  openBurrowView,
  parkMouse,
  poll,
  rowLocator,
  setSideBarWidth,
  startSession,
  waitForRowDescription,
  type Session,
} from '../test/e2e/harness';
import { clusterInfo, dropClusterVhost, makeClusterVhost, mgmt, startApp, stopApp } from '../test/cluster/cluster';

const OUT = path.join(REPO_ROOT, 'media', 'screenshots', 'cluster-nodes.png');
const QUEUE = 'orders';
const STOPPED = 2; // burrow-c3

function sh(script: string): void {
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', script)], { stdio: 'inherit', cwd: REPO_ROOT });
}

async function main(): Promise<void> {
  let vhost: string | undefined;
  let session: Session | undefined;
  let stopped = false;
  try {
    sh('start-cluster.sh');
    const nodes = clusterInfo().nodes;
    vhost = await makeClusterVhost('burrow-screenshot');
    const v = encodeURIComponent(vhost);
    // Declared through node 1's management API: its leader is on burrow-c1, members on all three.
    await mgmt(0, 'PUT', `/queues/${v}/${QUEUE}`, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-quorum-initial-group-size': 3 },
    });
    for (let i = 1; i <= 5; i++) {
      await mgmt(0, 'POST', `/exchanges/${v}/amq.default/publish`, {
        routing_key: QUEUE,
        payload: JSON.stringify({ order: i, item: 'widget' }),
        payload_encoding: 'string',
        properties: { delivery_mode: 2, content_type: 'application/json' },
      });
    }
    await poll(
      'the quorum queue on 3 members with 5 messages',
      async () => {
        const q = (await mgmt(0, 'GET', `/queues/${v}/${QUEUE}`)) as { members?: string[]; messages?: number };
        return (q.members?.length ?? 0) === 3 && q.messages === 5;
      },
      30_000,
    );

    console.log(`[screenshot] stopping ${nodes[STOPPED]!.name}'s RabbitMQ application`);
    stopped = true;
    await stopApp(STOPPED);
    await poll(
      `${nodes[STOPPED]!.name} reported down`,
      async () => {
        const list = (await mgmt(0, 'GET', '/nodes')) as { name: string; running?: boolean }[];
        return list.find((n) => n.name === nodes[STOPPED]!.name)?.running === false;
      },
      30_000,
    );

    const name = 'burrow-test-cluster';
    const conn = { name, password: 'guest' };
    session = await startSession({
      label: 'cluster-screenshot',
      settings: {
        'burrow.connections': [
          {
            id: 'cluster',
            name,
            host: '127.0.0.1',
            port: nodes[0]!.amqpPort,
            hosts: nodes.slice(1).map((n) => `127.0.0.1:${n.amqpPort}`),
            managementUrls: nodes.map((n) => `http://127.0.0.1:${n.mgmtPort}`),
            managementUrl: `http://127.0.0.1:${nodes[0]!.mgmtPort}`,
            vhost: '/',
            username: 'guest',
            tls: false,
          },
        ],
      },
    });
    const page = session.page;
    await openBurrowView(page);
    await setSideBarWidth(page, 900);
    await connectionReady(page, conn);
    await expandRow(page, name, 30_000);
    await waitForRowDescription(page, name, /\bconnected\b/, 30_000);
    await expandRow(page, 'Nodes', 30_000);
    await waitForRowDescription(page, nodes[STOPPED]!.name, /^down/, 30_000);
    await waitForRowDescription(page, 'Nodes', /3 nodes · ⚠ 1 down/, 30_000);
    await expandRow(page, vhost, 30_000);
    await expandRow(page, 'Queues', 30_000);
    await waitForRowDescription(page, QUEUE, /2\/3 members online/, 60_000);
    // Fold the other panes so the Brokers tree has the room.
    for (const pane of ['Connections', 'Policies']) {
      const header = burrowContainer(page).locator('.pane-header', { hasText: pane });
      if ((await header.count()) && (await header.first().getAttribute('aria-expanded')) === 'true') {
        await header.first().click();
      }
    }
    // The queue's tooltip lists its leader and members, the offline one marked. Hovered again until it
    // shows: the live refresh re-renders the rows under the mouse.
    const hoverBox = await poll(
      'the queue tooltip with its members',
      async () => {
        await parkMouse(page);
        await rowLocator(page, QUEUE).hover();
        const hover = page.locator('.workbench-hover-container, .monaco-hover:not(.hidden)').filter({ visible: true });
        const text = await hover
          .first()
          .innerText({ timeout: 3_000 })
          .catch(() => '');
        if (!text.includes('Members:')) return undefined;
        return (await hover.first().boundingBox()) ?? undefined;
      },
      45_000,
      500,
    );
    await page.waitForTimeout(500); // the hover fades in
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    // The window up to the tooltip's right edge: the editor area beyond it is empty.
    const vp = page.viewportSize() ?? { width: 1400, height: 900 };
    const width = Math.min(vp.width, Math.ceil(hoverBox.x + hoverBox.width + 24));
    await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width, height: vp.height } });
    console.log(`[screenshot] wrote ${path.relative(REPO_ROOT, OUT)}`);
  } catch (e) {
    session?.markFailed();
    throw e;
  } finally {
    await session?.close().catch((e: unknown) => console.error('[screenshot] closing VS Code:', e));
    if (stopped) await startApp(STOPPED).catch((e: unknown) => console.error('[screenshot] start_app:', e));
    if (vhost) await dropClusterVhost(vhost);
    sh('stop-cluster.sh');
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
