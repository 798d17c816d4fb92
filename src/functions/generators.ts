/**
 * Generation endpoints: start master data (and, in later issues, history) as jobs, follow and cancel jobs,
 * the generation state, table browsing and deleting all data. Long work runs on the generation queue
 * (src/functions/generation-worker.ts), never inside an HTTP request.
 */
import { z } from 'zod';
import { configService, datasetFiles, disruptionStore, generationDeps, generationJobs, generationState, streamingDeps } from '../app/services.js';
import { isoDate } from '../core/config/schema.js';
import { startHistoricalGeneration } from '../core/generation/historical-job.js';
import { startMasterGeneration } from '../core/generation/master-job.js';
import { presentJob } from '../core/generation/unit-progress.js';
import { assertTableName, DELETE_CONFIRMATION, deleteAllData, listTables, tableInfoSchema } from '../core/generation/datasets.js';
import { downloadQuerySchema, downloadTableFiles } from '../core/generation/download.js';
import { previewTable } from '../core/generation/preview.js';
import { computeRealismReport, MAX_REPORT_DAYS, realismReportSchema, reportQuerySchema, reportRange } from '../core/report/realism-report.js';
import { generationStateViewSchema, tableRowCount, toStateView } from '../core/generation/state.js';
import { jobSchema } from '../core/jobs/job.js';
import { resetStreaming } from '../core/streaming/control.js';
import { httpRoute } from './http/route.js';

const presentOrNull = (job: Parameters<typeof presentJob>[0] | undefined) => (job ? presentJob(job) : null);

const operationParams = z.object({ operation_id: z.string().min(1).max(100).describe('The operation_id returned when the job started.') });

httpRoute({
  name: 'getActiveGenerationJob',
  method: 'GET',
  // A literal segment outranks `{operation_id}` in the Functions host's routing (and job ids are UUIDs).
  route: 'api/generators/jobs/active',
  summary: 'The generation job pending or running now, if any',
  description:
    'Lets a client that did not start the job (a reloaded dashboard, another operator) find and follow it. ' +
    '`job` is null when no job holds the generation lock (a job that stopped reporting progress for 15 minutes no longer counts).',
  tags: ['generators'],
  responses: { 200: { description: 'The active job, or null', schema: z.object({ job: jobSchema.nullable() }) } },
  handler: async () => ({ status: 200, jsonBody: { job: presentOrNull(await generationJobs().active()) } }),
});

httpRoute({
  name: 'getGenerationJob',
  method: 'GET',
  route: 'api/generators/jobs/{operation_id}',
  summary: 'Progress of a generation job',
  description: 'Status, progress 0..1, per-table rows and progress, current day, ETA and error. Any instance can answer: jobs live in a Table.',
  tags: ['generators'],
  params: operationParams,
  responses: { 200: { description: 'The job', schema: jobSchema }, 404: { description: 'Unknown operation_id' } },
  handler: async ({ params }) => ({ status: 200, jsonBody: presentJob(await generationJobs().get(params.operation_id)) }),
});

httpRoute({
  name: 'cancelGenerationJob',
  method: 'DELETE',
  route: 'api/generators/jobs/{operation_id}',
  summary: 'Cancel a generation job',
  description: 'A pending job is cancelled at once; a running job stops at its next checkpoint (between tables or days). 409 if it has already ended.',
  tags: ['generators'],
  params: operationParams,
  responses: {
    200: { description: 'The job, cancelled or cancelling', schema: jobSchema },
    404: { description: 'Unknown operation_id' },
    409: { description: 'The job has already ended' },
  },
  handler: async ({ params }) => ({ status: 200, jsonBody: presentJob(await generationJobs().cancel(params.operation_id)) }),
});

httpRoute({
  name: 'getGenerationState',
  method: 'GET',
  route: 'api/generators/state',
  summary: 'What has been generated',
  tags: ['generators'],
  responses: { 200: { description: 'Generation state with every table count', schema: generationStateViewSchema } },
  handler: async () => ({ status: 200, jsonBody: toStateView(await generationState().read()) }),
});

httpRoute({
  name: 'listGeneratedTables',
  method: 'GET',
  route: 'api/generators/tables',
  summary: 'Every table with its row count, files, size and columns',
  tags: ['tables'],
  responses: {
    200: { description: 'The tables', schema: z.object({ tables: z.array(tableInfoSchema), count: z.number().int() }) },
  },
  handler: async () => {
    const tables = await listTables(generationState());
    return { status: 200, jsonBody: { tables, count: tables.length } };
  },
});

httpRoute({
  name: 'deleteGeneratedData',
  method: 'DELETE',
  route: 'api/generators/data',
  summary: 'Delete all generated data and generation state',
  description: `Requires \`?confirm=${DELETE_CONFIRMATION}\`. 409 while a generation job runs. Configuration is kept; any stream stops, and its outbox, DLQ, statistics and breaker are cleared; disruptions end.`,
  tags: ['generators'],
  query: z.object({ confirm: z.string().max(100).optional().describe(`Must be ${DELETE_CONFIRMATION}`) }),
  responses: {
    200: { description: 'Deleted', schema: z.object({ success: z.literal(true), message: z.string(), deleted_files: z.number().int() }) },
    409: { description: 'A generation job is running' },
  },
  handler: async ({ query }) => {
    const result = await deleteAllData(query.confirm, {
      state: generationState(),
      files: datasetFiles(),
      jobs: generationJobs(),
      disruptions: disruptionStore(),
      resetStreaming: () => resetStreaming(streamingDeps()),
    });
    return { status: 200, jsonBody: { success: true, message: `Deleted ${result.deleted_files} files and the generation state`, ...result } };
  },
});

const tableParams = z.object({ table: z.string().min(1).max(64).describe('A table name, e.g. dim_stores or fact_receipts') });

httpRoute({
  name: 'previewGeneratedTable',
  method: 'GET',
  route: 'api/generators/tables/{table}/preview',
  summary: 'First rows of a table (facts: the most recent day first)',
  tags: ['tables'],
  params: tableParams,
  query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Rows to return, 1..1000') }),
  responses: {
    200: {
      description: 'Rows with the table’s column names',
      schema: z.object({
        table_name: z.string(),
        columns: z.array(z.string()),
        row_count: z.number().int(),
        preview_rows: z.array(z.record(z.string(), z.unknown())),
        date_partition: z.string().nullable(),
      }),
    },
    404: { description: 'Unknown table' },
  },
  handler: async ({ params, query }) => {
    const table = assertTableName(params.table);
    const state = await generationState().read();
    return { status: 200, jsonBody: await previewTable(datasetFiles(), table, query.limit, tableRowCount(state, table)) };
  },
});

httpRoute({
  name: 'summarizeGeneratedTable',
  method: 'GET',
  route: 'api/generators/tables/{table}/summary',
  summary: 'Row count, columns, files and size of one table',
  tags: ['tables'],
  params: tableParams,
  responses: { 200: { description: 'The table', schema: tableInfoSchema }, 404: { description: 'Unknown table' } },
  handler: async ({ params }) => {
    const table = assertTableName(params.table);
    const info = (await listTables(generationState())).find((t) => t.name === table)!;
    return { status: 200, jsonBody: info };
  },
});

const startedJobSchema = z.object({
  operation_id: z.string(),
  status_url: z.string().describe('GET this URL to follow the job; DELETE it to cancel.'),
  status: z.enum(['pending']),
  message: z.string(),
});

httpRoute({
  name: 'startMasterGeneration',
  method: 'POST',
  route: 'api/generators/master/start',
  summary: 'Generate the six dimension tables as a job',
  description:
    'Returns 202 at once; the work runs on the generation queue. 409 while a generation job runs, or when master data ' +
    'exists and `force` is not set. Output: Parquet under `master/<table>/` in the `datagen` container.',
  tags: ['generators'],
  body: z
    .object({ force: z.boolean().default(false).describe('Generate again even if master data exists') })
    .strict()
    .optional(),
  responses: {
    202: { description: 'Job accepted', schema: startedJobSchema },
    409: { description: 'A generation job is running, or master data exists and force is false' },
  },
  handler: async ({ body }) => {
    const job = await startMasterGeneration(generationDeps(), body?.force ?? false);
    const statusUrl = `/api/generators/jobs/${job.operation_id}`;
    return {
      status: 202,
      headers: { location: statusUrl },
      jsonBody: { operation_id: job.operation_id, status_url: statusUrl, status: 'pending', message: 'Master data generation queued' },
    };
  },
});

httpRoute({
  name: 'startHistoricalGeneration',
  method: 'POST',
  route: 'api/generators/historical/start',
  summary: 'Generate historical facts for a date range as a job',
  description:
    'Without dates: the first run covers `historical.start_date` (or the last `historical.initial_days` days) through yesterday; ' +
    'later runs continue from the day after the watermark. Work is fanned out per supply region and day on the generation queue. ' +
    '400 without master data, for bad or reversed dates, future days, a gap after the watermark or a span over `historical.max_span_days`; ' +
    '409 while a generation job runs or when the range is already generated.',
  tags: ['generators'],
  body: z
    .object({
      start_date: isoDate.optional().describe('First day (YYYY-MM-DD)'),
      end_date: isoDate.optional().describe('Last day, inclusive (YYYY-MM-DD); at most yesterday'),
    })
    .strict()
    .optional(),
  responses: {
    202: { description: 'Job accepted', schema: startedJobSchema },
    409: { description: 'A generation job is running, or the range is already generated' },
  },
  handler: async ({ body }) => {
    const job = await startHistoricalGeneration(generationDeps(), await configService().get(), { start_date: body?.start_date, end_date: body?.end_date });
    const statusUrl = `/api/generators/jobs/${job.operation_id}`;
    const request = job.request as { start_date: string; end_date: string };
    return {
      status: 202,
      headers: { location: statusUrl },
      jsonBody: {
        operation_id: job.operation_id,
        status_url: statusUrl,
        status: 'pending',
        message: `Historical generation queued for ${request.start_date} to ${request.end_date}`,
      },
    };
  },
});

httpRoute({
  name: 'getRealismReport',
  method: 'GET',
  route: 'api/generators/report',
  summary: 'Realism report: the generated business beside published benchmarks',
  description:
    'Hourly traffic and sales curves by store format and weekday, basket size and value, tender mix, return rates by department and week, ' +
    'the visit funnel, stockouts, online share and fulfilment times, truck punctuality and campaign reach and lift; each with the published ' +
    'benchmark (and its citation) and the gap. Computed from the Parquet in storage, row group by row group. Dates default to the generated ' +
    `range; 400 for a bad or reversed range or one over ${MAX_REPORT_DAYS} days, 404 for days not generated, 409 when no history exists.`,
  tags: ['generators'],
  query: reportQuerySchema,
  responses: {
    200: { description: 'The report', schema: realismReportSchema },
    404: { description: 'The range is not (entirely) generated' },
    409: { description: 'No historical data yet' },
  },
  handler: async ({ query, context }) => {
    const range = reportRange(query, await generationState().read());
    const report = await computeRealismReport(datasetFiles(), range);
    context.log(`realism report ${range.start}..${range.end}: ${report.computed_ms} ms`);
    return { status: 200, jsonBody: report };
  },
});

httpRoute({
  name: 'downloadGeneratedTable',
  method: 'GET',
  route: 'api/generators/download',
  summary: 'Download one table (dimension) or one table-day (fact) as Parquet',
  description:
    'A dimension table is one Parquet file. A fact table-day is one Parquet part per supply region: `part=dc-001` gives that part, ' +
    'no `part` gives a tar of all of them under their blob paths (`facts/<table>/date=YYYY-MM-DD/…`), the layout `npm run export` writes.',
  tags: ['tables'],
  query: downloadQuerySchema,
  responses: {
    200: { description: 'Parquet (application/vnd.apache.parquet) or a tar of Parquet parts (application/x-tar)' },
    404: { description: 'Unknown table, or no data for that day or part' },
  },
  handler: async ({ query }) => {
    const download = await downloadTableFiles(datasetFiles(), query);
    return {
      status: 200,
      body: download.bytes,
      headers: { 'content-type': download.contentType, 'content-disposition': `attachment; filename="${download.fileName}"` },
    };
  },
});
