import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import { useMutation } from 'urql';
import { CancelUploadBatchMutation, CreateUploadBatchMutation } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { focusStatusAfterUpload } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { type UploadHandle, uploadFile } from '../../lib/upload';
import { useSession } from '../../session';
import { ProgressBar } from '../ui';

type Phase =
  | { kind: 'idle' }
  | { kind: 'creating'; file: File }
  | { kind: 'uploading'; file: File; batchId: string; loaded: number; total: number }
  | { kind: 'error'; file: File | null; message: string; batchId?: string };

function randomKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Step 2: pick or drop a file (any name), create the batch, PUT the bytes with progress, then go to
 * the batch page where validation streams in.
 */
export function UploadZone() {
  const { t, bytes, percent } = useI18n();
  const { isAdmin } = useSession();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  const upload = useRef<UploadHandle | null>(null);
  const inputId = useId();
  const hintId = useId();
  const [, createBatch] = useMutation(CreateUploadBatchMutation);
  const [, cancelBatch] = useMutation(CancelUploadBatchMutation);

  useEffect(() => () => upload.current?.abort(), []);

  const busy = phase.kind === 'creating' || phase.kind === 'uploading';
  const disabled = !isAdmin || busy;

  const start = async (file: File) => {
    setPhase({ kind: 'creating', file });
    const created = await createBatch({ input: { filename: file.name, idempotencyKey: randomKey() } });
    const payload = created.data?.createUploadBatch;
    if (!payload) {
      setPhase({ kind: 'error', file, message: created.error?.graphQLErrors[0]?.message ?? t('upload.error.create') });
      return;
    }
    const batchId = payload.batch.id;
    setPhase({ kind: 'uploading', file, batchId, loaded: 0, total: file.size });
    const handle = uploadFile(payload.uploadUrl, file, ({ loaded, total }) => {
      setPhase((p) => (p.kind === 'uploading' && p.batchId === batchId ? { ...p, loaded, total } : p));
    });
    upload.current = handle;
    try {
      const { status } = await handle.promise;
      upload.current = null;
      // 202: validating. 413 (too large) and 409 (already uploaded): the batch page explains.
      if ((status >= 200 && status < 300) || status === 413 || status === 409) {
        focusStatusAfterUpload(batchId);
        navigate(`/batches/${encodeURIComponent(batchId)}`);
        return;
      }
      setPhase({ kind: 'error', file, batchId, message: t('upload.error.status', { status }) });
    } catch (err) {
      upload.current = null;
      if (err instanceof Error && err.message === 'aborted') {
        void cancelBatch({ id: batchId });
        setPhase({ kind: 'idle' });
        return;
      }
      setPhase({ kind: 'error', file, batchId, message: t('upload.error.network') });
    }
  };

  const onFiles = (files: FileList | null) => {
    const file = files?.[0];
    if (file && !disabled) void start(file);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    onFiles(event.dataTransfer.files);
  };

  return (
    <div className="upload">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop target mirrors the file picker inside it, which is the keyboard path */}
      <div
        className={`dropzone${dragging ? ' dropzone-active' : ''}${disabled ? ' dropzone-disabled' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          if (!disabled) setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p className="dropzone-title">{t('upload.drop')}</p>
        <label className={`button button-primary${disabled ? ' button-disabled' : ''}`} htmlFor={inputId}>
          {t('upload.choose')}
        </label>
        <input
          id={inputId}
          className="file-input"
          type="file"
          disabled={disabled}
          aria-describedby={hintId}
          onChange={(event) => {
            onFiles(event.target.files);
            event.target.value = '';
          }}
        />
        <p className="muted small" id={hintId}>
          {isAdmin ? t('upload.hint') : t('upload.viewerReason')}
        </p>
      </div>

      {phase.kind === 'creating' ? (
        <div className="upload-status" aria-live="polite">
          <ProgressBar label={t('upload.preparing', { name: phase.file.name })} value={null} max={phase.file.size} />
        </div>
      ) : null}
      {phase.kind === 'uploading' ? (
        <div className="upload-status">
          <ProgressBar
            label={t('upload.uploading', { name: phase.file.name })}
            value={phase.loaded}
            max={phase.total}
            valueText={t('upload.progressValue', {
              loaded: bytes(phase.loaded),
              total: bytes(phase.total),
              percent: percent(phase.total ? phase.loaded / phase.total : 0),
            })}
          />
          <p className="visually-hidden" aria-live="polite">
            {phase.loaded >= phase.total ? t('upload.sent') : ''}
          </p>
          <button type="button" className="button button-ghost" onClick={() => upload.current?.abort()}>
            {t('upload.cancel')}
          </button>
        </div>
      ) : null}
      {phase.kind === 'error' ? (
        <div className="notice notice-danger" role="alert">
          <p className="notice-title">{t('upload.error.title', { name: phase.file?.name ?? '' })}</p>
          <p>{phase.message}</p>
        </div>
      ) : null}
    </div>
  );
}
