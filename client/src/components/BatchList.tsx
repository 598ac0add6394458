import { VIEW_OF_STATUS } from '../lib/batch-status';
import type { Batch } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { Link } from '../lib/router';
import { StatusBadge } from './ui';

/** Counts mean nothing for a file that was refused before any row was read: say why instead. */
function RejectedCells({ batch }: { batch: Batch }) {
  const { t } = useI18n();
  const reason = batch.fileError ? t(`fileError.${batch.fileError.code}.what`, { line: batch.fileError.line ?? '?' }) : t('batches.rejected.unknown');
  return (
    <td colSpan={5} className="batch-outcome">
      <span className="text-danger">{t('batches.rejected', { reason })}</span>
    </td>
  );
}

/** A table of batches: status, file name, created (when and by whom), counts. */
export function BatchTable({ batches, caption }: { batches: readonly Batch[]; caption: string }) {
  const { t, number, date, time, dateTime } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table table-stack">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('batches.col.file')}</th>
            <th scope="col">{t('batches.col.status')}</th>
            <th scope="col">{t('batches.col.created')}</th>
            <th scope="col" className="num">
              {t('batches.col.rows')}
            </th>
            <th scope="col" className="num">
              {t('batches.col.additions')}
            </th>
            <th scope="col" className="num">
              {t('batches.col.replacements')}
            </th>
            <th scope="col" className="num">
              {t('batches.col.invalid')}
            </th>
            <th scope="col" className="num">
              {t('batches.col.applied')}
            </th>
          </tr>
        </thead>
        <tbody>
          {batches.map((batch) => (
            <tr key={batch.id}>
              <td data-label={t('batches.col.file')}>
                <Link to={`/batches/${encodeURIComponent(batch.id)}`} className="strong-link break">
                  {batch.filename || t('batches.untitled')}
                </Link>
                <div className="mono muted small break">{batch.id}</div>
              </td>
              <td data-label={t('batches.col.status')}>
                <StatusBadge status={batch.status} />
              </td>
              <td data-label={t('batches.col.created')}>
                <time dateTime={batch.createdAt} title={dateTime(batch.createdAt)}>
                  <span className="nowrap">{date(batch.createdAt)}</span>
                  <span className="muted small block">{time(batch.createdAt)}</span>
                </time>
                {batch.createdBy && <span className="muted small block break">{batch.createdBy}</span>}
              </td>
              {VIEW_OF_STATUS[batch.status].rejected ? (
                <RejectedCells batch={batch} />
              ) : (
                <>
                  <td className="num" data-label={t('batches.col.rows')}>
                    {number(batch.summary.totalRows)}
                  </td>
                  <td className="num" data-label={t('batches.col.additions')}>
                    {number(batch.summary.additions)}
                  </td>
                  <td className="num" data-label={t('batches.col.replacements')}>
                    {number(batch.summary.replacements)}
                  </td>
                  <td className="num" data-label={t('batches.col.invalid')}>
                    {number(batch.summary.invalid)}
                  </td>
                  <td className="num" data-label={t('batches.col.applied')}>
                    {number(batch.summary.applied)}
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
