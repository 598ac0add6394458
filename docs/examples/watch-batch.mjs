// Watches an upload batch over graphql-ws until it reaches a terminal status
// (or VALIDATED, with --until-validated). Usage:
//   COMMS_URL=http://localhost:4000 COMMS_API_KEY=sk_… node watch-batch.mjs <batchId> [--until-validated]
// Needs: npm install graphql-ws ws
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [batchId, flag] = process.argv.slice(2);
const url = `${process.env.COMMS_URL.replace(/^http/, 'ws')}/graphql`;
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${process.env.COMMS_API_KEY}` },
});

const query = `subscription($id: ID!) {
  uploadBatchUpdated(id: $id) {
    id status
    summary { totalRows processedRows additions replacements unchanged skipped invalid warnings applied conflicts failed }
    fileError { code message }
  }
}`;

let last;
const dispose = client.subscribe(
  { query, variables: { id: batchId } },
  {
    next: ({ data, errors }) => {
      if (errors) {
        console.error(JSON.stringify(errors));
        process.exit(1);
      }
      last = data.uploadBatchUpdated;
      const s = last.summary;
      console.log(`${last.status} ${s.processedRows}/${s.totalRows} validated, ${s.applied} applied`);
      if (flag === '--until-validated' && last.status === 'VALIDATED') {
        dispose();
        client.dispose();
      }
    },
    error: (err) => {
      console.error(err);
      process.exit(1);
    },
    complete: () => client.dispose(),
  },
);
