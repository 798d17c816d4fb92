/**
 * The product catalogue we own: base products by department/category/subcategory with a base price, and
 * invented brands and companies for each brand category. Every department here appears in dim_products
 * (the predecessor lost most of them to a CSV parsing bug).
 */
export type BrandCategory = 'Food' | 'Electronics' | 'Clothing' | 'Home' | 'Health' | 'Pet' | 'Automotive' | 'Office' | 'Sports' | 'Baby';

export interface BaseProduct {
  department: string;
  category: string;
  subcategory: string;
  name: string;
  basePrice: number;
}

const PRODUCTS = `Grocery|Dairy & Alternatives|Milk|Whole Milk 1 Gallon|3.89
Grocery|Dairy & Alternatives|Milk|Oat Milk 64 oz|4.49
Grocery|Dairy & Alternatives|Cheese|Sharp Cheddar Block 8 oz|3.99
Grocery|Dairy & Alternatives|Cheese|Shredded Mozzarella 16 oz|4.79
Grocery|Dairy & Alternatives|Yogurt|Greek Yogurt Plain 32 oz|5.49
Grocery|Dairy & Alternatives|Butter & Eggs|Large Eggs Dozen|3.29
Grocery|Dairy & Alternatives|Butter & Eggs|Salted Butter 1 lb|4.99
Grocery|Meat & Poultry|Chicken|Boneless Chicken Breast 2 lb|8.99
Grocery|Meat & Poultry|Beef|Ground Beef 80/20 1 lb|5.99
Grocery|Meat & Poultry|Beef|Ribeye Steak 12 oz|13.99
Grocery|Meat & Poultry|Pork|Thick Cut Bacon 12 oz|6.49
Grocery|Meat & Poultry|Turkey|Whole Turkey per 12 lb|24.99
Grocery|Seafood|Fish|Atlantic Salmon Fillet 1 lb|11.99
Grocery|Seafood|Shellfish|Frozen Shrimp 2 lb|14.99
Grocery|Produce|Fruit|Bananas per Bunch|1.69
Grocery|Produce|Fruit|Gala Apples 3 lb Bag|4.29
Grocery|Produce|Fruit|Strawberries 1 lb|3.99
Grocery|Produce|Vegetables|Baby Carrots 1 lb|1.49
Grocery|Produce|Vegetables|Romaine Hearts 3 Pack|3.79
Grocery|Produce|Vegetables|Russet Potatoes 5 lb|4.49
Grocery|Produce|Vegetables|Avocados 4 Pack|4.99
Grocery|Bakery|Bread|Whole Wheat Bread Loaf|3.29
Grocery|Bakery|Bread|Sourdough Boule|4.99
Grocery|Bakery|Sweets|Blueberry Muffins 4 Pack|4.49
Grocery|Bakery|Sweets|Pumpkin Pie 9 inch|7.99
Grocery|Pantry|Pasta & Grains|Spaghetti 16 oz|1.79
Grocery|Pantry|Pasta & Grains|Long Grain White Rice 5 lb|5.49
Grocery|Pantry|Canned Goods|Black Beans 15 oz|1.19
Grocery|Pantry|Canned Goods|Diced Tomatoes 28 oz|2.29
Grocery|Pantry|Canned Goods|Cranberry Sauce 14 oz|2.49
Grocery|Pantry|Condiments|Tomato Ketchup 32 oz|3.49
Grocery|Pantry|Condiments|Extra Virgin Olive Oil 500 ml|8.99
Grocery|Pantry|Baking|All Purpose Flour 5 lb|3.99
Grocery|Pantry|Baking|Granulated Sugar 4 lb|3.79
Grocery|Breakfast|Cereal|Honey Oat Cereal 14 oz|4.29
Grocery|Breakfast|Coffee & Tea|Medium Roast Ground Coffee 12 oz|8.99
Grocery|Breakfast|Coffee & Tea|Green Tea 40 Bags|4.49
Grocery|Snacks|Chips|Sea Salt Potato Chips 8 oz|3.99
Grocery|Snacks|Crackers|Whole Grain Crackers 9 oz|3.49
Grocery|Snacks|Nuts|Roasted Almonds 16 oz|7.99
Grocery|Snacks|Candy|Milk Chocolate Bar 3.5 oz|2.49
Grocery|Beverages|Soda|Cola 12 Pack|6.99
Grocery|Beverages|Water|Sparkling Water 8 Pack|4.99
Grocery|Beverages|Juice|Orange Juice 52 oz|4.29
Grocery|Frozen|Meals|Frozen Pepperoni Pizza|6.49
Grocery|Frozen|Vegetables|Frozen Mixed Vegetables 16 oz|2.29
Grocery|Frozen|Desserts|Vanilla Ice Cream 1.5 qt|4.99
Grocery|Deli|Prepared|Rotisserie Chicken|7.99
Grocery|Deli|Sliced Meats|Sliced Turkey Breast 1 lb|9.49
Home & Garden|Kitchen|Cookware|Nonstick Frying Pan 10 inch|24.99
Home & Garden|Kitchen|Storage|Food Storage Containers 10 Pack|14.99
Home & Garden|Kitchen|Appliances|Electric Kettle 1.7 L|29.99
Home & Garden|Cleaning|Laundry|Laundry Detergent 100 oz|12.99
Home & Garden|Cleaning|Paper Goods|Paper Towels 6 Rolls|9.99
Home & Garden|Cleaning|Paper Goods|Toilet Paper 12 Rolls|11.49
Home & Garden|Cleaning|Surface Care|All Purpose Cleaner 32 oz|3.99
Home & Garden|Bedding & Bath|Towels|Cotton Bath Towel|12.99
Home & Garden|Bedding & Bath|Bedding|Queen Sheet Set|39.99
Home & Garden|Garden|Outdoor|Potting Soil 1 cu ft|8.49
Home & Garden|Garden|Tools|Garden Hose 50 ft|27.99
Home & Garden|Decor|Lighting|LED Light Bulbs 4 Pack|9.99
Seasonal|Holiday|Decorations|String Lights 100 Count|12.99
Seasonal|Holiday|Decorations|Artificial Wreath 24 inch|29.99
Seasonal|Holiday|Gift Wrap|Wrapping Paper 3 Rolls|9.99
Seasonal|Summer|Outdoor Living|Beach Towel|14.99
Seasonal|Summer|Outdoor Living|Cooler 48 qt|39.99
Seasonal|Back to School|Supplies|Backpack|29.99
Seasonal|Halloween|Costumes|Kids Costume|24.99
Seasonal|Halloween|Candy|Fun Size Candy Bag 40 Count|11.99
Health & Beauty|Personal Care|Oral Care|Fluoride Toothpaste 2 Pack|6.49
Health & Beauty|Personal Care|Oral Care|Soft Toothbrush 4 Pack|5.99
Health & Beauty|Personal Care|Hair Care|Daily Shampoo 24 oz|7.99
Health & Beauty|Personal Care|Skin Care|Moisturizing Lotion 16 oz|8.99
Health & Beauty|Personal Care|Deodorant|Clinical Deodorant|6.99
Health & Beauty|Medicine|Pain Relief|Ibuprofen 200 mg 100 Count|8.99
Health & Beauty|Medicine|Cold & Flu|Nighttime Cold Relief 12 oz|9.49
Health & Beauty|Medicine|Refrigerated Probiotics|Daily Probiotic 30 Count|24.99
Health & Beauty|Vitamins|Supplements|Multivitamin 120 Count|12.99
Health & Beauty|Cosmetics|Makeup|Volumizing Mascara|9.99
Pet Supplies|Dog|Food|Adult Dry Dog Food 30 lb|42.99
Pet Supplies|Dog|Treats|Chicken Jerky Dog Treats|9.99
Pet Supplies|Dog|Toys|Rope Chew Toy|7.99
Pet Supplies|Cat|Food|Indoor Dry Cat Food 16 lb|27.99
Pet Supplies|Cat|Litter|Clumping Cat Litter 20 lb|14.99
Pet Supplies|Small Pets|Supplies|Small Animal Bedding|11.99
Electronics|Audio|Headphones|Wireless Earbuds|59.99
Electronics|Audio|Speakers|Bluetooth Speaker|39.99
Electronics|Computers|Accessories|Wireless Mouse|19.99
Electronics|Computers|Accessories|USB-C Hub 6 in 1|34.99
Electronics|Mobile|Chargers|Fast Charger 20W|19.99
Electronics|Mobile|Cases|Phone Case|14.99
Electronics|TV & Video|Streaming|HD Streaming Stick|39.99
Electronics|TV & Video|Televisions|55 inch 4K Smart TV|299.99
Electronics|Batteries|Household|AA Batteries 24 Pack|16.99
Clothing|Men|Tops|Men's Crew Neck T-Shirt|12.99
Clothing|Men|Bottoms|Men's Slim Fit Jeans|34.99
Clothing|Women|Tops|Women's V-Neck Tee|12.99
Clothing|Women|Dresses|Women's Midi Dress|39.99
Clothing|Women|Outerwear|Women's Puffer Jacket|69.99
Clothing|Kids|Tops|Kids Graphic Tee|9.99
Clothing|Footwear|Athletic|Running Shoes|59.99
Clothing|Accessories|Socks|Athletic Socks 6 Pack|12.99
Baby & Kids|Baby Care|Diapers|Diapers Size 3 84 Count|29.99
Baby & Kids|Baby Care|Wipes|Baby Wipes 3 Pack|8.99
Baby & Kids|Baby Food|Purees|Organic Apple Puree 4 Pack|4.49
Baby & Kids|Baby Food|Formula|Infant Formula 30 oz|34.99
Baby & Kids|Toys|Building|Building Blocks 500 Pieces|24.99
Baby & Kids|Toys|Games|Family Board Game|19.99
Automotive|Maintenance|Fluids|Synthetic Motor Oil 5 qt|27.99
Automotive|Maintenance|Fluids|Windshield Washer Fluid 1 gal|3.49
Automotive|Maintenance|Wipers|Wiper Blades 22 inch|17.99
Automotive|Accessories|Interior|All Weather Floor Mats|29.99
Automotive|Accessories|Electronics|Car Phone Mount|15.99
Office Supplies|Paper|Printer Paper|Copy Paper 500 Sheets|8.99
Office Supplies|Writing|Pens|Gel Pens 12 Pack|9.99
Office Supplies|Writing|Notebooks|College Ruled Notebook 3 Pack|7.49
Office Supplies|Organization|Binders|1 inch Binder|4.99
Office Supplies|Organization|Desk|Desk Organizer|14.99
Sports & Recreation|Fitness|Equipment|Yoga Mat|24.99
Sports & Recreation|Fitness|Equipment|Adjustable Dumbbells|149.99
Sports & Recreation|Outdoor|Camping|Two Person Tent|79.99
Sports & Recreation|Outdoor|Hydration|Insulated Water Bottle 32 oz|24.99
Sports & Recreation|Team Sports|Balls|Official Size Basketball|29.99
Sports & Recreation|Cycling|Accessories|Bike Helmet|39.99`;

export const BASE_PRODUCTS: readonly BaseProduct[] = PRODUCTS.split('\n').map((line) => {
  const [department, category, subcategory, name, price] = line.split('|') as [string, string, string, string, string];
  return { department, category, subcategory, name, basePrice: Number(price) };
});

/** Which brands can make a department's products. */
export const DEPARTMENT_BRAND_CATEGORY: Readonly<Record<string, BrandCategory>> = {
  Grocery: 'Food',
  'Home & Garden': 'Home',
  Seasonal: 'Home',
  'Health & Beauty': 'Health',
  'Pet Supplies': 'Pet',
  Electronics: 'Electronics',
  Clothing: 'Clothing',
  'Baby & Kids': 'Baby',
  Automotive: 'Automotive',
  'Office Supplies': 'Office',
  'Sports & Recreation': 'Sports',
};

/**
 * Share of products per department: groceries dominate a general retailer's assortment, as in the
 * predecessor's measured output, but every department is present.
 */
export const DEPARTMENT_WEIGHTS: Readonly<Record<string, number>> = {
  Grocery: 0.46,
  'Home & Garden': 0.09,
  'Health & Beauty': 0.08,
  Clothing: 0.07,
  Electronics: 0.06,
  Seasonal: 0.05,
  'Pet Supplies': 0.05,
  'Sports & Recreation': 0.04,
  'Baby & Kids': 0.04,
  'Office Supplies': 0.03,
  Automotive: 0.03,
};

/** Invented brand names by brand category, each with its (invented) company. */
export const BRANDS: Readonly<Record<BrandCategory, readonly { brand: string; company: string }[]>> = {
  Food: [
    { brand: 'Natura Best', company: 'Greenfield Provisions' },
    { brand: 'Harvest Lane', company: 'Greenfield Provisions' },
    { brand: 'Golden Meadow', company: 'Brightwater Foods' },
    { brand: 'Copper Kettle', company: 'Brightwater Foods' },
    { brand: 'Blue Ridge Farms', company: 'Cedar Hollow Growers' },
    { brand: 'Sunny Acre', company: 'Cedar Hollow Growers' },
    { brand: 'Pantry Select', company: 'Northgate Grocers Co.' },
    { brand: 'Riverstone', company: 'Northgate Grocers Co.' },
  ],
  Home: [
    { brand: 'Hearthwell', company: 'Lindenway Home Goods' },
    { brand: 'Brightnest', company: 'Lindenway Home Goods' },
    { brand: 'Tidy Oak', company: 'Amberfield Living' },
    { brand: 'Gardenmere', company: 'Amberfield Living' },
  ],
  Health: [
    { brand: 'Purevia Care', company: 'Silverleaf Wellness' },
    { brand: 'Dailyroot', company: 'Silverleaf Wellness' },
    { brand: 'Clearbloom', company: 'Meridian Health Labs' },
    { brand: 'VitaForge', company: 'Meridian Health Labs' },
  ],
  Pet: [
    { brand: 'Pawsmith', company: 'Kindred Pet Co.' },
    { brand: 'Whisker & Wag', company: 'Kindred Pet Co.' },
    { brand: 'Trailhound', company: 'Foxglen Animal Supply' },
  ],
  Electronics: [
    { brand: 'Voltura', company: 'Arclight Devices' },
    { brand: 'Nexwave', company: 'Arclight Devices' },
    { brand: 'Quillon', company: 'Helix Consumer Tech' },
    { brand: 'Soundmark', company: 'Helix Consumer Tech' },
  ],
  Clothing: [
    { brand: 'Threadline', company: 'Bramble & Loom Apparel' },
    { brand: 'Northpeak Wear', company: 'Bramble & Loom Apparel' },
    { brand: 'Urban Fable', company: 'Calico Street Outfitters' },
    { brand: 'Stridewell', company: 'Calico Street Outfitters' },
  ],
  Baby: [
    { brand: 'Little Sprout', company: 'Cradlebay Family Brands' },
    { brand: 'Tinywonder', company: 'Cradlebay Family Brands' },
    { brand: 'Playfield', company: 'Marble Top Toys' },
  ],
  Automotive: [
    { brand: 'Roadmaster Pro', company: 'Ironbridge Auto Supply' },
    { brand: 'Gearline', company: 'Ironbridge Auto Supply' },
    { brand: 'Clearview Auto', company: 'Motorvale Parts' },
  ],
  Office: [
    { brand: 'Deskwise', company: 'Papermill Office Co.' },
    { brand: 'Inkwell Basics', company: 'Papermill Office Co.' },
    { brand: 'Ledgerly', company: 'Quartet Lane Supplies' },
  ],
  Sports: [
    { brand: 'Summit Trail', company: 'Fieldhouse Athletics' },
    { brand: 'Corefit', company: 'Fieldhouse Athletics' },
    { brand: 'Wildpine Outdoor', company: 'Canyon Gear Works' },
  ],
};
