/**
 * Published figures the realism report holds the generated business against, each with the citation it comes
 * from (title, publisher, year, address) beside the number, so the report can return both and a reader can
 * check the source. The generator's parameters that follow these figures cite them where they are set.
 */
import { z } from 'zod';

export const citationSchema = z
  .object({ title: z.string(), publisher: z.string(), year: z.number().int(), url: z.string() })
  .meta({ id: 'Citation', description: 'Where a published benchmark comes from.' });
export type Citation = z.infer<typeof citationSchema>;

export const DCPC_2025: Citation = {
  title: '2025 Diary of Consumer Payment Choice (payments made in 2024)',
  publisher: 'Federal Reserve Financial Services (FedCash Services)',
  year: 2025,
  url: 'https://digibanker.org/feds-latest-diary-of-consumer-payment-choice-reveals-consumers-made-an-average-of-11-payments-per-month-with-a-mobile-phone-in-2024-up-from-four-payments-in-2018-cash-remains-a-key-backup-p',
};

export const NRF_RETURNS_2024: Citation = {
  title: '2024 Consumer Returns in the Retail Industry',
  publisher: 'National Retail Federation and Happy Returns',
  year: 2024,
  url: 'https://chainstoreage.com/nrf-2024-retail-returns-total-890-billion',
};

export const NRF_RETURNS_2023: Citation = {
  title: '2023 Consumer Returns in the Retail Industry (as reported by GOBankingRates)',
  publisher: 'National Retail Federation and Appriss Retail',
  year: 2023,
  url: 'https://finance.yahoo.com/news/m-shopping-expert-4-top-160030569.html',
};

export const FMI_TRENDS_2023: Citation = {
  title: 'U.S. Grocery Shopper Trends 2023 (FMI Research & Insights year in review)',
  publisher: 'FMI - The Food Industry Association',
  year: 2023,
  url: "https://www.fmi.org/blog/view/fmi-blog/2023/12/21/a-gift-from-fmi's-research---insights-team",
};

export const GMA_OOS_2002: Citation = {
  title: 'Retail Out-of-Stocks: A Worldwide Examination of Extent, Causes and Consumer Responses (Gruen, Corsten, Bharadwaj)',
  publisher: 'Grocery Manufacturers of America',
  year: 2002,
  url: 'http://itsoutofstock.com/research/',
};

export const SENSORMATIC_BLACK_FRIDAY_2023: Citation = {
  title: 'U.S. retail traffic remained strong throughout extended Black Friday weekend',
  publisher: 'Sensormatic Solutions (ShopperTrak traffic data)',
  year: 2023,
  url: 'https://www.finanznachrichten.de/nachrichten-2023-11/60783339-u-s-retail-traffic-remained-strong-throughout-extended-black-friday-weekend-according-to-sensormatic-solutions-data-004.htm',
};

/**
 * Share of payments by number, 2024 (the Diary's categories; they need not add up to 1: checks, ACH and other
 * instruments make up the rest). Mobile: 11 of 48 monthly payments were made with a phone, over any instrument.
 */
export const TENDER_SHARE_BY_COUNT = { CREDIT_CARD: 0.35, DEBIT_CARD: 0.3, CASH: 0.14, MOBILE_PAY: 11 / 48 } as const;

/** Retailers' estimate of the share of 2024 annual sales that will be returned (value). */
export const RETURN_RATE_OF_SALES = 0.169;

/** Brick-and-mortar returns as a share of in-store sales, 2023 (online: 17.6%). */
export const IN_STORE_RETURN_RATE = 0.1002;

/** Weekly household grocery spend ($155) over weekly trips (2.6): dollars per trip. */
export const GROCERY_WEEKLY_SPEND_DOLLARS = 155;
export const GROCERY_TRIPS_PER_WEEK = 2.6;
export const GROCERY_DOLLARS_PER_TRIP = GROCERY_WEEKLY_SPEND_DOLLARS / GROCERY_TRIPS_PER_WEEK;

/** Worldwide average out-of-stock rate: share of items off the shelf at a given time. */
export const OUT_OF_STOCK_RATE = 0.083;

/** The peak hour of in-store traffic on Black Friday (and the two days after it): 2-3 p.m. */
export const BLACK_FRIDAY_PEAK_HOUR = 14;

export const benchmarkSchema = z
  .object({
    metric: z.string(),
    value: z.number().nullable().describe('The published figure; null where no published figure is held for this measure.'),
    unit: z.string(),
    note: z.string(),
    citation: citationSchema.nullable(),
  })
  .meta({ id: 'Benchmark' });
export type Benchmark = z.infer<typeof benchmarkSchema>;

export function benchmark(metric: string, value: number | null, unit: string, note: string, citation: Citation | null): Benchmark {
  return { metric, value, unit, note, citation };
}
