import type { BatchStatus } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { STEP_OF_STATUS, STEPS, type Step } from '../../lib/batch-status';

export { STEPS, type Step };

export function stepOf(status: BatchStatus | null): { step: Step; failed: boolean; done: boolean } {
  return status === null ? { step: 'template', failed: false, done: false } : STEP_OF_STATUS[status];
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
