"""A small multilingual lexicon of product-type and colour words, written for this project.

The shop's product titles are English ("Storm Jacket - Red / S") while customers write in their
own language ("die Jacke", "la veste", "la chaqueta"). Each *kind* below lists the English words
that may appear in a product title (`title`) and the words customers use for it in English,
German, French and Spanish, singular and plural apart — the plural says "all of them" and the
singular "one", which is how a quantity is read when no number is given. A word that is the same
in both ("Stiefel", "Pullover") is listed in both and gives no quantity of its own.

Every word is written folded (`folding.fold`: lower case, no accents: "Mütze" is "mutze").

Limits, honestly:
- a product whose title has none of the `title` words (a "Tent", a "Kettle") has no kind, so
  only the title's own words find it ("the tent" in English, not "das Zelt");
- kinds with no product in this shop (trousers, dresses, scarves …) are here so that "die Hose"
  on an order without trousers is recognised as an item the order does not have — an item
  nobody listed is simply not seen, and a request that names only such an item reads as no
  item named;
- it is a lexicon, not a translator: an uncommon word ("Kapuzenjacke", "chubasquero") is found
  only if it is listed; regional words are listed where we know them ("playera", "remera",
  "chamarra").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    title: tuple[str, ...]  # English words that put a product title in this kind
    singular: tuple[str, ...]
    plural: tuple[str, ...]


def _kind(name: str, title: str, singular: str, plural: str) -> Kind:
    return Kind(name, tuple(title.split(",")), tuple(w.strip() for w in singular.split(",")),
                tuple(w.strip() for w in plural.split(",")))


# Comma-separated so that several-word names ("sac a dos", "water bottle") stay whole.
KINDS: tuple[Kind, ...] = (
    _kind("jacket", "jacket,coat,parka,anorak,shell,raincoat,windbreaker",
          "jacket,coat,parka,anorak,raincoat,windbreaker,rain jacket,"
          "jacke,regenjacke,outdoorjacke,mantel,parka,anorak,windjacke,"
          "veste,blouson,manteau,parka,anorak,impermeable,coupe-vent,"
          "chaqueta,chamarra,cazadora,abrigo,parka,anorak,impermeable,chubasquero",
          "jackets,coats,parkas,anoraks,raincoats,windbreakers,rain jackets,"
          "jacken,regenjacken,outdoorjacken,mantel,parkas,anoraks,windjacken,"
          "vestes,blousons,manteaux,parkas,anoraks,impermeables,"
          "chaquetas,chamarras,cazadoras,abrigos,parkas,anoraks,impermeables,chubasqueros"),
    _kind("bottle", "bottle,flask,tumbler",
          "bottle,water bottle,flask,flasche,trinkflasche,thermosflasche,bouteille,gourde,"
          "botella,cantimplora,termo",
          "bottles,water bottles,flasks,flaschen,trinkflaschen,thermosflaschen,bouteilles,gourdes,"
          "botellas,cantimploras,termos"),
    _kind("cap", "cap,hat,beanie",
          "cap,hat,baseball cap,beanie,mutze,kappe,cap,basecap,hut,kappi,casquette,chapeau,bonnet,"
          "gorra,gorro,sombrero",
          "caps,hats,baseball caps,beanies,mutzen,kappen,caps,basecaps,hute,kappis,casquettes,chapeaux,"
          "bonnets,gorras,gorros,sombreros"),
    _kind("tee", "tee,t-shirt,tshirt,shirt,top",
          "tee,t-shirt,tshirt,shirt,oberteil,tee-shirt,maillot,camiseta,playera,remera,polera",
          "tees,t-shirts,tshirts,shirts,oberteile,tee-shirts,maillots,camisetas,playeras,"
          "remeras,poleras"),
    _kind("boots", "boot,boots,shoe,shoes",
          "boot,hiking boot,shoe,stiefel,wanderstiefel,schuh,wanderschuh,botte,chaussure,bota,zapato",
          "boots,hiking boots,shoes,stiefel,stiefeln,wanderstiefel,schuhe,wanderschuhe,bottes,chaussures,"
          "botas,zapatos"),
    _kind("socks", "sock,socks",
          "sock,socke,strumpf,chaussette,calcetin",
          "socks,socken,strumpfe,chaussettes,calcetines"),
    _kind("bag", "daypack,backpack,rucksack,bag",
          "backpack,daypack,rucksack,bag,tasche,sac a dos,sac,mochila,bolsa",
          "backpacks,daypacks,rucksacks,bags,rucksacke,taschen,sacs a dos,sacs,mochilas,bolsas"),
    _kind("hoodie", "hoodie,sweatshirt,sweater,pullover,jumper,fleece",
          "hoodie,hoody,sweatshirt,sweater,pullover,jumper,fleece,kapuzenpulli,kapuzenpullover,pulli,"
          "sweat,sweat-shirt,sweat a capuche,sudadera,jersey",
          "hoodies,sweatshirts,sweaters,pullovers,jumpers,fleeces,kapuzenpullis,kapuzenpullover,pullis,"
          "pullover,sweats,sweat-shirts,sweats a capuche,sudaderas,jerseis,jerseys"),
    _kind("gloves", "glove,gloves,mitten,mittens",
          "glove,mitten,handschuh,gant,guante",
          "gloves,mittens,handschuhe,gants,guantes"),
    # Kinds this shop does not sell: recognised so that asking for one is "not on the order".
    _kind("trousers", "trousers,pants,jeans,leggings",
          "pair of trousers,hose,pantalon,vaquero",
          "trousers,pants,jeans,leggings,hosen,pantalons,jeans,pantalones,vaqueros"),
    _kind("dress", "dress,skirt", "dress,skirt,kleid,robe,jupe,vestido,falda",
          "dresses,skirts,kleider,rocke,robes,jupes,vestidos,faldas"),
    _kind("scarf", "scarf", "scarf,schal,echarpe,bufanda", "scarves,scarfs,schals,echarpes,bufandas"),
    _kind("belt", "belt", "belt,gurtel,ceinture,cinturon", "belts,gurtel,ceintures,cinturones"),
    _kind("tent", "tent", "tent,zelt,tente", "tents,zelte,tentes"),
    _kind("sleeping bag", "sleeping bag", "sleeping bag,schlafsack,sac de couchage,saco de dormir",
          "sleeping bags,schlafsacke,sacs de couchage,sacos de dormir"),
    _kind("sunglasses", "sunglasses", "sonnenbrille,paire de lunettes,gafa",
          "sunglasses,sonnenbrillen,lunettes,gafas,gafas de sol"),
    _kind("vest", "vest,gilet", "vest,weste,gilet,chaleco", "vests,westen,gilets,chalecos"),
    _kind("shorts", "shorts", "pair of shorts", "shorts,kurze hosen,pantalones cortos"),
)

#: Colour families: the English words a title may carry, and what customers write for them.
COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("red", "rot", "rote", "roten", "roter", "rotes", "rouge", "rouges", "rojo", "roja", "rojos", "rojas",
            "burgundy", "bordeaux", "burdeos"),
    "blue": ("blue", "navy", "blau", "blaue", "blauen", "blauer", "blaues", "marineblau", "marineblaue", "bleu",
             "bleue", "bleus", "bleues", "marine", "azul", "azules", "marino"),
    "green": ("green", "olive", "khaki", "grun", "grune", "grunen", "gruner", "grunes", "oliv", "olivgrun", "vert",
              "verte", "verts", "vertes", "kaki", "verde", "verdes", "oliva"),
    "grey": ("grey", "gray", "grau", "graue", "grauen", "grauer", "graues", "gris", "grise", "grises"),
    "black": ("black", "schwarz", "schwarze", "schwarzen", "schwarzer", "schwarzes", "noir", "noire", "noirs",
              "noires", "negro", "negra", "negros", "negras"),
    "white": ("white", "weiss", "weisse", "weissen", "weisser", "blanc", "blanche", "blancs", "blanches",
              "blanco", "blanca", "blancos", "blancas"),
    "yellow": ("yellow", "gelb", "gelbe", "gelben", "jaune", "jaunes", "amarillo", "amarilla", "amarillos"),
    "orange": ("orange", "orangen", "oranges", "naranja", "naranjas"),
    "pink": ("pink", "rosa", "rose", "roses"),
    "purple": ("purple", "lila", "violett", "violet", "violette", "morado", "morada"),
    "brown": ("brown", "braun", "braune", "braunen", "marron", "marrons", "marrones"),
    "beige": ("beige", "beiges"),
}

#: Title words that say nothing about which product is meant (sizes, units, filler).
TITLE_NOISE = frozenset("the and with for of pack 3-pack one size eu xs s m l xl xxl 1l 20l".split())
