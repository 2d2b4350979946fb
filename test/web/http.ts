// HTTP as the batch page's tests use it: a request's whole answer, an event stream's events so far,
// and CSV parsed as RFC 4180 reads it (what a spreadsheet or Python's csv module would get).
import http from 'node:http';
import type { ExecutionContext } from 'ava';

export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An open page's event stream: the events received so far, closed at the test's end. */
export function listen(t: ExecutionContext, url: string): { status: number | null; events: { event: string; data: any }[]; close(): void } {
  const out = { status: null as number | null, events: [] as { event: string; data: any }[], close: () => req.destroy() };
  const req = http.get(url, (res) => {
    out.status = res.statusCode ?? null;
    let buf = '';
    res.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) out.events.push({ event, data: JSON.parse(data) });
      }
    });
  });
  req.on('error', () => {});
  t.teardown(() => req.destroy());
  return out;
}

/** RFC 4180: quoted cells may hold commas, doubled quotes and line breaks; records end in CRLF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      (row = []), (cell = ''), i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}
