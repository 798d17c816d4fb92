/**
 * US places for dim_geographies: public facts (city, state, a real ZIP code of that city), with a district
 * and region of our own. District names containing Metro/Urban/City mark dense areas (store placement and
 * profiles lean on them, as in the predecessor).
 */
export interface GeographyEntry {
  city: string;
  state: string;
  zip: string;
  district: string;
  region: 'West' | 'Midwest' | 'Northeast' | 'Southeast' | 'Southwest';
}

const ROWS = `Seattle|WA|98101|Seattle Metro|West
Tacoma|WA|98402|Puget Sound South|West
Spokane|WA|99201|Inland Northwest City|West
Bellevue|WA|98004|Eastside Suburbs|West
Portland|OR|97205|Portland Metro|West
Salem|OR|97301|Willamette Valley|West
Eugene|OR|97401|Lane County|West
Boise|ID|83702|Treasure Valley City|West
San Francisco|CA|94103|Bay Area Urban|West
Oakland|CA|94612|East Bay Urban|West
San Jose|CA|95113|Silicon Valley Metro|West
Sacramento|CA|95814|Capital Metro|West
Fresno|CA|93721|Central Valley|West
Los Angeles|CA|90012|Los Angeles Metro|West
Long Beach|CA|90802|South Bay Urban|West
Pasadena|CA|91101|San Gabriel Valley|West
Irvine|CA|92618|Orange County Suburbs|West
San Diego|CA|92101|San Diego Metro|West
Riverside|CA|92501|Inland Empire|West
Bakersfield|CA|93301|Kern County|West
Santa Rosa|CA|95404|North Bay|West
Reno|NV|89501|Truckee Meadows|West
Las Vegas|NV|89101|Las Vegas Metro|West
Henderson|NV|89002|Las Vegas Suburbs|West
Salt Lake City|UT|84101|Wasatch Front City|West
Provo|UT|84601|Utah Valley|West
Denver|CO|80202|Denver Metro|West
Aurora|CO|80012|Denver East Suburbs|West
Colorado Springs|CO|80903|Pikes Peak|West
Fort Collins|CO|80521|Northern Colorado|West
Anchorage|AK|99501|Anchorage City|West
Honolulu|HI|96813|Oahu Urban|West
Phoenix|AZ|85004|Phoenix Metro|Southwest
Tucson|AZ|85701|Tucson City|Southwest
Mesa|AZ|85201|East Valley Suburbs|Southwest
Scottsdale|AZ|85251|North Valley|Southwest
Albuquerque|NM|87102|Albuquerque Metro|Southwest
Santa Fe|NM|87501|Northern New Mexico|Southwest
El Paso|TX|79901|Borderland City|Southwest
Dallas|TX|75201|Dallas Metro|Southwest
Fort Worth|TX|76102|Fort Worth Urban|Southwest
Plano|TX|75074|Collin County Suburbs|Southwest
Houston|TX|77002|Houston Metro|Southwest
Sugar Land|TX|77478|Fort Bend Suburbs|Southwest
Austin|TX|78701|Austin Metro|Southwest
San Antonio|TX|78205|San Antonio City|Southwest
Lubbock|TX|79401|South Plains|Southwest
Corpus Christi|TX|78401|Coastal Bend|Southwest
Oklahoma City|OK|73102|Oklahoma City Metro|Southwest
Tulsa|OK|74103|Green Country|Southwest
Chicago|IL|60602|Chicago Metro|Midwest
Naperville|IL|60540|DuPage Suburbs|Midwest
Rockford|IL|61101|Rock River Valley|Midwest
Springfield|IL|62701|Central Illinois|Midwest
Peoria|IL|61602|Heart of Illinois|Midwest
Milwaukee|WI|53202|Milwaukee Metro|Midwest
Madison|WI|53703|Dane County City|Midwest
Green Bay|WI|54301|Northeast Wisconsin|Midwest
Minneapolis|MN|55401|Twin Cities Metro|Midwest
Saint Paul|MN|55102|Twin Cities Urban|Midwest
Rochester|MN|55902|Southeast Minnesota|Midwest
Duluth|MN|55802|Arrowhead|Midwest
Des Moines|IA|50309|Central Iowa City|Midwest
Cedar Rapids|IA|52401|Eastern Iowa|Midwest
Omaha|NE|68102|Omaha Metro|Midwest
Lincoln|NE|68508|Lancaster County|Midwest
Kansas City|MO|64106|Kansas City Metro|Midwest
St. Louis|MO|63101|St. Louis Metro|Midwest
Springfield|MO|65806|Ozarks|Midwest
Wichita|KS|67202|South Central Kansas|Midwest
Overland Park|KS|66210|Johnson County Suburbs|Midwest
Detroit|MI|48226|Detroit Metro|Midwest
Grand Rapids|MI|49503|West Michigan City|Midwest
Ann Arbor|MI|48104|Washtenaw County|Midwest
Lansing|MI|48933|Mid Michigan|Midwest
Indianapolis|IN|46204|Indianapolis Metro|Midwest
Fort Wayne|IN|46802|Northeast Indiana|Midwest
Columbus|OH|43215|Columbus Metro|Midwest
Cleveland|OH|44113|Cleveland Metro|Midwest
Cincinnati|OH|45202|Cincinnati Urban|Midwest
Toledo|OH|43604|Northwest Ohio|Midwest
Dayton|OH|45402|Miami Valley|Midwest
Fargo|ND|58102|Red River Valley|Midwest
Sioux Falls|SD|57104|Sioux Empire|Midwest
New York|NY|10001|New York City Urban|Northeast
Brooklyn|NY|11201|Brooklyn Urban|Northeast
Buffalo|NY|14202|Western New York City|Northeast
Rochester|NY|14604|Finger Lakes|Northeast
Albany|NY|12207|Capital District|Northeast
Yonkers|NY|10701|Westchester Suburbs|Northeast
Newark|NJ|07102|Newark Metro|Northeast
Jersey City|NJ|07302|Hudson Urban|Northeast
Trenton|NJ|08608|Central Jersey|Northeast
Philadelphia|PA|19103|Philadelphia Metro|Northeast
Pittsburgh|PA|15222|Pittsburgh Metro|Northeast
Allentown|PA|18101|Lehigh Valley|Northeast
Harrisburg|PA|17101|Susquehanna Valley|Northeast
Boston|MA|02108|Boston Metro|Northeast
Cambridge|MA|02139|Boston Urban|Northeast
Worcester|MA|01608|Central Massachusetts|Northeast
Springfield|MA|01103|Pioneer Valley|Northeast
Providence|RI|02903|Providence Metro|Northeast
Hartford|CT|06103|Hartford City|Northeast
New Haven|CT|06510|South Central Connecticut|Northeast
Stamford|CT|06901|Fairfield County Suburbs|Northeast
Manchester|NH|03101|Merrimack Valley|Northeast
Portland|ME|04101|Casco Bay|Northeast
Burlington|VT|05401|Champlain Valley|Northeast
Baltimore|MD|21202|Baltimore Metro|Northeast
Bethesda|MD|20814|Montgomery Suburbs|Northeast
Washington|DC|20001|District Urban|Northeast
Wilmington|DE|19801|New Castle County|Northeast
Atlanta|GA|30303|Atlanta Metro|Southeast
Savannah|GA|31401|Coastal Georgia|Southeast
Augusta|GA|30901|CSRA|Southeast
Marietta|GA|30060|Cobb Suburbs|Southeast
Miami|FL|33130|Miami Metro|Southeast
Orlando|FL|32801|Orlando Metro|Southeast
Tampa|FL|33602|Tampa Bay Urban|Southeast
Jacksonville|FL|32202|First Coast City|Southeast
Tallahassee|FL|32301|Big Bend|Southeast
Fort Lauderdale|FL|33301|Broward Suburbs|Southeast
Charlotte|NC|28202|Charlotte Metro|Southeast
Raleigh|NC|27601|Triangle Metro|Southeast
Durham|NC|27701|Triangle Urban|Southeast
Greensboro|NC|27401|Piedmont Triad|Southeast
Asheville|NC|28801|Blue Ridge|Southeast
Charleston|SC|29401|Lowcountry|Southeast
Columbia|SC|29201|Midlands City|Southeast
Greenville|SC|29601|Upstate|Southeast
Nashville|TN|37203|Nashville Metro|Southeast
Memphis|TN|38103|Memphis Metro|Southeast
Knoxville|TN|37902|East Tennessee|Southeast
Chattanooga|TN|37402|Tennessee Valley|Southeast
Louisville|KY|40202|Louisville Metro|Southeast
Lexington|KY|40507|Bluegrass|Southeast
Birmingham|AL|35203|Birmingham Metro|Southeast
Huntsville|AL|35801|North Alabama|Southeast
Mobile|AL|36602|Gulf Coast|Southeast
Jackson|MS|39201|Central Mississippi|Southeast
New Orleans|LA|70112|New Orleans Metro|Southeast
Baton Rouge|LA|70801|Capital Region|Southeast
Little Rock|AR|72201|Central Arkansas City|Southeast
Richmond|VA|23219|Richmond Metro|Southeast
Virginia Beach|VA|23451|Hampton Roads|Southeast
Arlington|VA|22201|Northern Virginia Suburbs|Southeast
Charleston|WV|25301|Kanawha Valley|Southeast`;

export const GEOGRAPHIES: readonly GeographyEntry[] = ROWS.split('\n').map((line) => {
  const [city, state, zip, district, region] = line.split('|') as [string, string, string, string, GeographyEntry['region']];
  return { city, state, zip, district, region };
});

/**
 * Combined sales tax by state (state rate plus a typical local share), a public approximation. Stores use
 * their state's rate; states without sales tax still charge 0.
 */
export const STATE_TAX_RATES: Readonly<Record<string, number>> = {
  AK: 0.0176,
  AL: 0.0924,
  AR: 0.0945,
  AZ: 0.084,
  CA: 0.0882,
  CO: 0.0778,
  CT: 0.0635,
  DC: 0.06,
  DE: 0,
  FL: 0.0701,
  GA: 0.0738,
  HI: 0.045,
  IA: 0.0694,
  ID: 0.0603,
  IL: 0.0886,
  IN: 0.07,
  KS: 0.0865,
  KY: 0.06,
  LA: 0.0956,
  MA: 0.0625,
  MD: 0.06,
  ME: 0.055,
  MI: 0.06,
  MN: 0.0804,
  MO: 0.0838,
  MS: 0.0707,
  NC: 0.07,
  ND: 0.0696,
  NE: 0.0697,
  NH: 0,
  NJ: 0.066,
  NM: 0.0772,
  NV: 0.0823,
  NY: 0.0852,
  OH: 0.0723,
  OK: 0.0898,
  OR: 0,
  PA: 0.0634,
  RI: 0.07,
  SC: 0.0749,
  SD: 0.0611,
  TN: 0.0955,
  TX: 0.082,
  UT: 0.0719,
  VA: 0.0577,
  VT: 0.0636,
  WA: 0.0938,
  WI: 0.057,
  WV: 0.0655,
  WY: 0.0544,
};

/** The predecessor's fallback rate for a state it did not know. */
export const DEFAULT_TAX_RATE = 0.07407;
