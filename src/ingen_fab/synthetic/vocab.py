"""Reference vocabularies the generator draws from (plain tuples, no commas or quotes).

Localities carry their real state and postcode so a drawn address is always consistent: the
generator picks one locality index and takes city, state and postcode from the same row.
"""

from __future__ import annotations

COUNTRY = "Australia"
CURRENCY = "AUD"

FIRST_NAMES = (
    "Olivia", "Liam", "Charlotte", "Noah", "Amelia", "Jack", "Isla", "William", "Mia", "Oliver",
    "Ava", "Henry", "Grace", "Leo", "Chloe", "Thomas", "Zoe", "James", "Ruby", "Lucas",
    "Sophie", "Ethan", "Harper", "Samuel", "Ella", "Max", "Lily", "Archie", "Evie", "Hugo",
    "Matilda", "Oscar", "Willow", "Harrison", "Ivy", "Lachlan", "Sienna", "Cooper", "Aria",
    "Riley", "Priya", "Wei", "Mohammed", "Aisha", "Hiroshi", "Mei", "Arjun", "Fatima", "Nikos",
    "Elena",
)
LAST_NAMES = (
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
    "Anderson", "Thompson", "Nguyen", "Thomas", "Walker", "Harris", "Lee", "Ryan", "Robinson",
    "Kelly", "King", "Davis", "Wright", "Evans", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke", "Patel", "Khan", "Chen", "Wang", "Singh", "Murphy", "Mitchell", "Campbell",
    "Young", "Scott", "Edwards", "Baker", "Papadopoulos", "Rossi", "Kowalski", "Tran", "Li",
    "Hughes", "Cooper", "Bell", "Ward",
)
EMAIL_DOMAINS = (
    "example.com", "mail.example.net", "inbox.example.org", "post.example.com.au",
    "webmail.example.au", "example.org",
)
STREET_NAMES = (
    "George", "King", "Queen", "Elizabeth", "Victoria", "Albert", "Church", "High", "Station",
    "Park", "Railway", "Beach", "Hill", "Bridge", "Market", "Wattle", "Banksia", "Acacia",
    "Ocean", "River", "Mountain", "Forest", "Lake", "Garden", "Harbour",
)
STREET_TYPES = ("Street", "Road", "Avenue", "Parade", "Lane", "Drive", "Crescent", "Place")

# (locality, state, postcode)
LOCALITIES = (
    ("Sydney", "NSW", "2000"), ("Bondi", "NSW", "2026"), ("Chatswood", "NSW", "2067"),
    ("Manly", "NSW", "2095"), ("Parramatta", "NSW", "2150"), ("Liverpool", "NSW", "2170"),
    ("Gosford", "NSW", "2250"), ("Newcastle", "NSW", "2300"), ("Wollongong", "NSW", "2500"),
    ("Penrith", "NSW", "2750"), ("Melbourne", "VIC", "3000"), ("Richmond", "VIC", "3121"),
    ("Box Hill", "VIC", "3128"), ("Dandenong", "VIC", "3175"), ("St Kilda", "VIC", "3182"),
    ("Frankston", "VIC", "3199"), ("Geelong", "VIC", "3220"), ("Ballarat", "VIC", "3350"),
    ("Bendigo", "VIC", "3550"), ("Brisbane", "QLD", "4000"), ("Fortitude Valley", "QLD", "4006"),
    ("Southport", "QLD", "4215"), ("Toowoomba", "QLD", "4350"), ("Maroochydore", "QLD", "4558"),
    ("Townsville", "QLD", "4810"), ("Cairns", "QLD", "4870"), ("Adelaide", "SA", "5000"),
    ("Glenelg", "SA", "5045"), ("Mount Gambier", "SA", "5290"), ("Perth", "WA", "6000"),
    ("Joondalup", "WA", "6027"), ("Fremantle", "WA", "6160"), ("Bunbury", "WA", "6230"),
    ("Hobart", "TAS", "7000"), ("Launceston", "TAS", "7250"), ("Canberra", "ACT", "2601"),
    ("Belconnen", "ACT", "2617"), ("Darwin", "NT", "0800"), ("Alice Springs", "NT", "0870"),
)
# Relative population weights of the localities above (cities draw more customers).
LOCALITY_WEIGHTS = (
    9, 3, 3, 2, 5, 4, 2, 4, 3, 3, 9, 3, 3, 3, 2, 2, 4, 2, 2, 7, 2, 4, 2, 2, 2, 2, 5, 2, 1, 6,
    2, 2, 1, 2, 1, 3, 1, 1, 1,
)

LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
# Lifetime spend (cents) at which each tier above bronze starts.
LOYALTY_THRESHOLDS = (50_000, 200_000, 600_000)

# category -> (sku prefix, (min price, max price) in dollars, nouns)
CATEGORIES = (
    ("Electronics", "ELE", (19, 899), ("Headphones", "Speaker", "Charger", "Keyboard", "Mouse",
                                       "Monitor", "Tablet", "Smartwatch")),
    ("Home & Kitchen", "HOM", (12, 399), ("Kettle", "Toaster", "Blender", "Cookware Set",
                                          "Knife Block", "Coffee Maker", "Lamp")),
    ("Apparel", "APP", (9, 249), ("T-Shirt", "Jeans", "Jacket", "Sneakers", "Hoodie", "Dress")),
    ("Beauty", "BEA", (5, 119), ("Moisturiser", "Shampoo", "Serum", "Lip Balm", "Sunscreen")),
    ("Sports & Outdoors", "SPO", (9, 499), ("Yoga Mat", "Tent", "Water Bottle", "Shorts",
                                            "Dumbbells", "Backpack")),
    ("Grocery", "GRO", (3, 39), ("Coffee Beans", "Olive Oil", "Granola", "Tea", "Chocolate")),
    ("Toys", "TOY", (7, 149), ("Puzzle", "Building Blocks", "Board Game", "Plush Toy")),
    ("Books", "BOO", (8, 59), ("Novel", "Cookbook", "Atlas", "Journal", "Field Guide")),
)
BRANDS = (
    "Bluegum", "Southerly", "Tidewater", "Ember & Oak", "Granite Lane", "Lumen", "Parkway",
    "Wattle Works", "Kestrel", "Saltbush", "Coastline", "Ironbark", "Mallee", "Brolga",
)
ADJECTIVES = (
    "Classic", "Premium", "Essential", "Pro", "Eco", "Ultra", "Compact", "Deluxe", "Everyday",
    "Signature",
)

CHANNELS = ("in_store", "online", "mobile_app")
CHANNEL_SHARES = (0.60, 0.28, 0.12)
PAYMENT_METHODS = ("credit_card", "debit_card", "cash", "paypal", "afterpay", "gift_card")
# Per channel, the probability of each payment method above.
PAYMENT_SHARES = {
    "in_store": (0.38, 0.40, 0.14, 0.00, 0.05, 0.03),
    "remote": (0.45, 0.20, 0.00, 0.20, 0.12, 0.03),
}
ORDER_STATUSES = ("completed", "processing", "shipped")
