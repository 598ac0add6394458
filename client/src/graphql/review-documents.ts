import { BatchRowFields } from './documents';
import { graphql, type ResultOf, type VariablesOf } from './graphql';

/** The review table (issue 18): pages anywhere in the filtered, sorted rows, a row's position, one row's detail. */

export const ReviewRowsQuery = graphql(
  `
  query ReviewRows($id: ID!, $first: Int!, $offset: Int, $filter: BatchRowFilter, $sort: BatchRowSort) {
    uploadBatch(id: $id) {
      id
      rows(first: $first, offset: $offset, filter: $filter, sort: $sort) {
        totalCount
        edges { node { ...BatchRowFields } }
      }
    }
  }
`,
  [BatchRowFields],
);
export type BatchRowSort = NonNullable<VariablesOf<typeof ReviewRowsQuery>['sort']>;

export const RowPositionQuery = graphql(`
  query RowPosition($id: ID!, $rowNumber: Int!, $filter: BatchRowFilter, $sort: BatchRowSort) {
    uploadBatch(id: $id) { id rowPosition(rowNumber: $rowNumber, filter: $filter, sort: $sort) }
  }
`);

export const RowDetailQuery = graphql(
  `
  query RowDetail($id: ID!, $rowNumber: Int!) {
    uploadBatch(id: $id) {
      id
      row(rowNumber: $rowNumber) { ...BatchRowFields accountEmail }
    }
  }
`,
  [BatchRowFields],
);
export type RowDetail = NonNullable<NonNullable<ResultOf<typeof RowDetailQuery>['uploadBatch']>['row']>;
