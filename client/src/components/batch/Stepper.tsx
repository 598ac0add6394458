import type { BatchStatus } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';

export const STEPS = ['template', 'upload', 'validation', 'review', 'confirm', 'apply'] as const;
export type Step = (typeof STEPS)[number];

export function stepOf(status: BatchStatus | null): { step: Step; failed: boolean; done: boolean } {
  switch (status) {
    case null:
      return { step: 'template', failed: false, done: false };
    case 'AWAITING_UPLOAD':
      return { step: 'upload', failed: false, done: false };
    case 'VALIDATING':
      return { step: 'validation', failed: false, done: false };
    case 'REJECTED':
      return { step: 'validation', failed: true, done: false };
    case 'VALIDATED':
      return { step: 'review', failed: false, done: false };
    case 'AWAITING_APPROVAL':
      return { step: 'confirm', failed: false, done: false };
    case 'CANCELED':
    case 'EXPIRED':
    case 'DECLINED':
      return { step: 'confirm', failed: true, done: false };
    case 'APPLYING':
      return { step: 'apply', failed: false, done: false };
    case 'COMPLETED':
    case 'ROLLING_BACK':
    case 'ROLLED_BACK':
      return { step: 'apply', failed: false, done: true };
    case 'FAILED':
      return { step: 'apply', failed: true, done: false };
  }
}

/** The six steps of the collection flow, with the current one marked for assistive technology. */
export function Stepper({ status }: { status: BatchStatus | null }) {
  const { t } = useI18n();
  const { step, failed, done } = stepOf(status);
  const current = STEPS.indexOf(step);
  return (
    <nav aria-label={t('flow.steps')} className="stepper-nav">
      <ol className="stepper">
        {STEPS.map((name, index) => {
          const state =
            index < current || (index === current && done) ? 'done' : index === current ? (failed ? 'failed' : 'current') : 'upcoming';
          return (
            <li key={name} className={`step step-${state}`} aria-current={index === current ? 'step' : undefined}>
              <span className="step-number" aria-hidden="true">
                {state === 'done' ? '✓' : state === 'failed' ? '!' : index + 1}
              </span>
              <span className="step-label">
                {t(`flow.step.${name}`)}
                <span className="visually-hidden">
                  {' '}
                  ({t(`flow.stepState.${state}`)})
                </span>
              </span>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
