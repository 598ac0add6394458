export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadResult {
  status: number;
}

export interface UploadHandle {
  promise: Promise<UploadResult>;
  abort(): void;
}

/**
 * PUTs the raw bytes of a file to the batch's upload URL with the session cookie. XMLHttpRequest
 * rather than fetch: it reports upload progress. Resolves with the HTTP status (202 on success,
 * 409 when the URL was used already, 413 when the file is too large); rejects on network errors.
 */
export function uploadFile(url: string, file: Blob, onProgress: (progress: UploadProgress) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<UploadResult>((resolve, reject) => {
    xhr.open('PUT', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.addEventListener('progress', (event) => {
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    });
    xhr.addEventListener('load', () => resolve({ status: xhr.status }));
    xhr.addEventListener('error', () => reject(new Error('network')));
    xhr.addEventListener('abort', () => reject(new Error('aborted')));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}
