import type { Express, Request } from 'express';
import type { SqlDatabase } from '../../db/sql.js';
import { TEMPLATE_HEADERS } from '../batches/pipeline/headers.js';
import type { Services } from '../../services.js';
import { streamCsv } from './csv-download.js';
import { errorBody, principalOf } from './request-auth.js';

export const TEMPLATE_RESOURCE = 'template';
const PAGE = 5_000;
const ELIGIBLE = `status not in ('closed', 'rejected')`;

/** Which eligible accounts a template lists (API.md TemplateFilter); both set: accounts that are both. */
export interface TemplateFilterValue {
  missingEmail?: boolean | null;
  unclaimed?: boolean | null;
}

/** The filter as it travels in a link (`missing-email,unclaimed`), signed with it; '' for every eligible account. */
export function templateFilterParam(filter: TemplateFilterValue | null | undefined): string {
  const parts: string[] = [];
  if (filter?.missingEmail) parts.push('missing-email');
  if (filter?.unclaimed) parts.push('unclaimed');
  return parts.join(',');
}

function parseTemplateFilter(param: unknown): TemplateFilterValue {
  const parts = typeof param === 'string' ? param.split(',') : [];
  return { missingEmail: parts.includes('missing-email'), unclaimed: parts.includes('unclaimed') };
}

/** The resource a template link grants: the filter is part of it, so a link cannot be widened. */
export function templateResource(filter: TemplateFilterValue | null | undefined): string {
  const param = templateFilterParam(filter);
  return param ? `${TEMPLATE_RESOURCE}:${param}` : TEMPLATE_RESOURCE;
}

function templateWhere(filter: TemplateFilterValue | null | undefined): string {
  let where = ELIGIBLE;
  if (filter?.missingEmail) where += ` and (email is null or trim(email) = '')`;
  if (filter?.unclaimed) where += ' and not user_claimed_email';
  return where;
}

/** Number of accounts the template lists: every eligible account of the platform, or those the filter keeps. */
export async function templateRowCount(db: SqlDatabase, platformId: string, filter?: TemplateFilterValue | null): Promise<number> {
  const [{ n }] = await db.query<{ n: number | string }>(
    `select count(*) as n from connected_account where platform_id = $1 and ${templateWhere(filter)}`,
    [platformId],
  );
  return Number(n);
}

/** The platform a download request may read: a signed token for `resource`, or credentials. */
export async function downloadPlatform(services: Services, req: Request, resource: string): Promise<string | null> {
  const token = typeof req.query.token === 'string' ? req.query.token : undefined;
  if (token) return services.links.verify(token, resource)?.platformId ?? null;
  return (await principalOf(services, req))?.platformId ?? null;
}

/** GET /files/template — the CSV template of SPEC.md, streamed in id order. */
export function mountTemplateRoute(app: Express, services: Services): void {
  app.get('/files/template', async (req, res) => {
    const filter = parseTemplateFilter(req.query.filter);
    const platformId = await downloadPlatform(services, req, templateResource(filter));
    if (!platformId) {
      res.status(401).json(errorBody('UNAUTHENTICATED', 'This link has expired or is not valid. Download the template again.'));
      return;
    }
    let after = '';
    let done = false;
    const date = new Date().toISOString().slice(0, 10);
    const suffix = templateFilterParam(filter) ? `-${templateFilterParam(filter).replace(',', '-')}` : '';
    await streamCsv(res, `comms-center-template${suffix}-${date}.csv`, TEMPLATE_HEADERS, async () => {
      if (done) return null;
      const rows = await services.db.scans.query<{
        id: string;
        business_name: string | null;
        first_name: string | null;
        last_name: string | null;
        user_claimed_email: boolean | number;
      }>(
        `select id, business_name, first_name, last_name, user_claimed_email from connected_account
          where platform_id = $1 and ${templateWhere(filter)} and id > $2 order by id limit $3`,
        [platformId, after, PAGE],
      );
      if (rows.length < PAGE) done = true;
      if (rows.length === 0) return null;
      after = rows[rows.length - 1].id;
      return rows.map((r) => [r.id, r.business_name ?? '', r.first_name ?? '', r.last_name ?? '', '', r.user_claimed_email ? '✔' : '✗']);
    });
  });
}
