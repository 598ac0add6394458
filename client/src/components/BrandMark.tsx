export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="#3b5bdb" />
      <path d="M7 10h18v12H7z" fill="none" stroke="#fff" strokeWidth="2.2" strokeLinejoin="round" />
      <path d="m7.5 10.5 8.5 7 8.5-7" fill="none" stroke="#fff" strokeWidth="2.2" strokeLinejoin="round" />
    </svg>
  );
}
