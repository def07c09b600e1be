import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiPath,
  bindingPath,
  buildQuery,
  clampPageSize,
  exchangeSegment,
  listQuery,
  normalizeTags,
  toPage,
  DEFAULT_QUEUE_COLUMNS,
} from '../../src/broker/management';

test('apiPath encodes every segment; vhost "/" is %2F', () => {
  assert.equal(apiPath('queues', '/', 'a b/c#?%'), '/queues/%2F/a%20b%2Fc%23%3F%25');
  assert.equal(apiPath('vhosts', 'dev'), '/vhosts/dev');
});

test('default exchange is amq.default in URLs', () => {
  assert.equal(exchangeSegment(''), 'amq.default');
  assert.equal(exchangeSegment('x'), 'x');
});

test('buildQuery skips undefined and encodes', () => {
  assert.equal(buildQuery(undefined), '');
  assert.equal(buildQuery({ a: undefined }), '');
  assert.equal(buildQuery({ name: '^a.b$', use_regex: true, page: 2 }), '?name=%5Ea.b%24&use_regex=true&page=2');
});

test('listQuery: name filter only when paging; default columns; [] = all columns', () => {
  assert.deepEqual(listQuery(undefined), {});
  assert.deepEqual(listQuery({ name: 'x' }), {});
  assert.deepEqual(listQuery({ page: 2, pageSize: 10, name: 'x', useRegex: true }), {
    page: 2,
    page_size: 10,
    name: 'x',
    use_regex: true,
  });
  assert.deepEqual(listQuery({ page: 1, name: '' }), { page: 1, page_size: 100 });
  assert.equal(listQuery({}, DEFAULT_QUEUE_COLUMNS).columns, DEFAULT_QUEUE_COLUMNS.join(','));
  assert.equal(listQuery({ columns: [] }, DEFAULT_QUEUE_COLUMNS).columns, undefined);
  assert.equal(listQuery({ columns: ['name'] }, DEFAULT_QUEUE_COLUMNS).columns, 'name');
});

test('clampPageSize', () => {
  assert.equal(clampPageSize(undefined), 100);
  assert.equal(clampPageSize(0), 1);
  assert.equal(clampPageSize(10_000), 500);
  assert.equal(clampPageSize(12.7), 12);
});

test('toPage normalizes paged objects and plain arrays', () => {
  assert.deepEqual(
    toPage({ items: [1], page: 2, page_size: 1, page_count: 3, filtered_count: 3, total_count: 9, item_count: 1 }),
    {
      items: [1],
      page: 2,
      pageSize: 1,
      pageCount: 3,
      filteredCount: 3,
      totalCount: 9,
    },
  );
  assert.deepEqual(toPage([1, 2]), {
    items: [1, 2],
    page: 1,
    pageSize: 2,
    pageCount: 1,
    filteredCount: 2,
    totalCount: 2,
  });
  assert.deepEqual(toPage([]), { items: [], page: 1, pageSize: 0, pageCount: 0, filteredCount: 0, totalCount: 0 });
});

test('normalizeTags accepts arrays and comma strings', () => {
  assert.deepEqual(normalizeTags(['administrator']), ['administrator']);
  assert.deepEqual(normalizeTags('administrator, monitoring'), ['administrator', 'monitoring']);
  assert.deepEqual(normalizeTags(''), []);
  assert.deepEqual(normalizeTags(undefined), []);
});

test('bindingPath: source, q or e, destination and properties_key, each encoded once more', () => {
  assert.equal(
    bindingPath({ vhost: '/', source: 'h x', destination_type: 'queue', destination: 'q/1', properties_key: '~abc' }),
    '/bindings/%2F/e/h%20x/q/q%2F1/~abc',
  );
  assert.equal(
    bindingPath({ vhost: 'v', source: 's', destination_type: 'exchange', destination: 'd', properties_key: 'a%2Fb~x' }),
    '/bindings/v/e/s/e/d/a%252Fb~x',
  );
});
