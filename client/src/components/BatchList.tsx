import type { Batch } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { Link } from '../lib/router';
import { StatusBadge } from './ui';

/** A table of batches: status, file name, created (when and by whom), counts. */
export function BatchTable({ batches, caption }: { batches: readonly Batch[]; caption: string }) {
  const { t, number, date, time, dateTime } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table">
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
              <td>
                <Link to={`/batches/${encodeURIComponent(batch.id)}`} className="strong-link">
                  {batch.filename || t('batches.untitled')}
                </Link>
                <div className="mono muted small">{batch.id}</div>
              </td>
              <td>
                <StatusBadge status={batch.status} />
              </td>
              <td>
                <time dateTime={batch.createdAt} title={dateTime(batch.createdAt)}>
                  <span className="nowrap">{date(batch.createdAt)}</span>
                  <span className="muted small block">{time(batch.createdAt)}</span>
                </time>
                {batch.createdBy && <span className="muted small block">{batch.createdBy}</span>}
              </td>
              <td className="num">{number(batch.summary.totalRows)}</td>
              <td className="num">{number(batch.summary.additions)}</td>
              <td className="num">{number(batch.summary.replacements)}</td>
              <td className="num">{number(batch.summary.invalid)}</td>
              <td className="num">{number(batch.summary.applied)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
