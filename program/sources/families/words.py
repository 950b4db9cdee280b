"""Word pools several families draw from: months, weekdays, place names and first names."""

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PLACES = {
    "shop": ["Harbor Street Bakery", "Maple Hardware", "Blue Door Books", "Corner Deli", "Summit Sports",
             "Green Leaf Market", "Riverside Pharmacy", "Oak Lane Toys", "Northgate Electronics"],
    "region": ["the Northern Province", "Lake District", "the Eastern Valley", "Coastal County", "the Highlands",
               "Riverbend Region", "the Western Plains", "Sunfield County"],
    "town": ["Northbridge", "Elmstead", "Ashford", "Kingsbury", "Marlow", "Redcliffe", "Stonehaven", "Millbrook",
             "Fairhaven", "Westwood", "Oakridge", "Brookvale", "Hollowmere", "Pinecrest"],
    "farm": ["Willow Farm", "Sunny Acres", "Hilltop Orchard", "Meadowbrook Farm", "Cedar Grove", "Old Mill Farm"],
    "school": ["Lincoln High School", "Riverside Academy", "Park Lane School", "Hillcrest College",
               "Elm Street School"],
    "library": ["the Central Library", "Westwood Library", "the Old Town Library", "Brookvale Library"],
    "site": ["an online bookshop", "a recipe website", "a news site", "a travel blog", "a music store"],
    "group": ["office workers", "university students", "retired people", "teenagers", "young parents"],
    "company": ["Nordic Foods", "Brightline Media", "Atlas Tools", "Luma Cosmetics", "Vertex Games"],
}

NAMES = ["Ana", "Ben", "Cleo", "Dev", "Ema", "Finn", "Gia", "Hugo", "Ines", "Jack", "Kira", "Leo", "Maya", "Nico",
         "Omar", "Pia", "Ravi", "Sara", "Tom", "Uma", "Vera", "Yusuf", "Zoe"]
