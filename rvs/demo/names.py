"""Candidate names for demo data, by naming culture, spelt as exam boards print them.

Latin-script names keep their accents (Łukasz Wójcik, Søren Ørsted, Nguyễn Thị Lan); names from
other scripts are transliterated (Aleksandr Ivanov, Dimitrios Papadopoulos, Zhang Wei, Kim
Min-jun). Each list runs from most to least common, and draws follow a Zipf curve over that
order, so a million candidates show real-looking clusters (many Nguyễns, few Ørsteds) instead of
a flat spread that no search index ever meets in life.

A surname written ``"Kowalski/Kowalska"`` has a male and a female form.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Pool:
    """Names in order of frequency, drawn along a Zipf curve."""

    names: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def zipf(cls, names: tuple[str, ...], skew: float) -> Pool:
        return cls(names, tuple(itertools.accumulate(1 / (rank + 1) ** skew for rank in range(len(names)))))

    def draw(self, rng: random.Random) -> str:
        return self.names[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class Culture:
    key: str
    male: Pool
    female: Pool
    surnames: Pool
    # Share of people with two surnames (Spanish and Portuguese usage: "Núñez García").
    double_surname: float = 0.0

    def person(self, rng: random.Random) -> tuple[str, str, bool]:
        """(first name, last name, is female), drawn with realistic frequencies."""
        female = rng.random() < 0.5
        first = (self.female if female else self.male).draw(rng)
        last = self._surname(rng, female)
        if self.double_surname and rng.random() < self.double_surname:
            second = self._surname(rng, female)
            if second != last:
                last = f"{last} {second}"
        return first, last, female

    def _surname(self, rng: random.Random, female: bool) -> str:
        name = self.surnames.draw(rng)
        if "/" in name:
            male_form, female_form = name.split("/")
            return female_form if female else male_form
        return name


def _split(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _culture(
    key: str, male: str, female: str, surnames: str, *, double_surname: float = 0.0, skew: float = 0.9
) -> Culture:
    """``skew`` is the Zipf exponent: steeper where a few surnames cover most people (Vietnam, Korea)."""
    return Culture(
        key,
        Pool.zipf(_split(male), skew),
        Pool.zipf(_split(female), skew),
        Pool.zipf(_split(surnames), skew),
        double_surname,
    )


_CULTURES = [
    _culture(
        "english",
        "Oliver, George, Harry, Jack, Thomas, James, William, Charlie, Joshua, Daniel, Samuel, Benjamin, "
        "Alexander, Matthew, Ryan, Callum, Liam, Ethan, Rhys, Dafydd, Euan, Alfie",
        "Olivia, Amelia, Emily, Isla, Sophie, Jessica, Grace, Chloe, Charlotte, Hannah, Lucy, Ella, Megan, "
        "Holly, Rebecca, Eleanor, Siân, Ffion, Eilidh, Zoë",
        "Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts, Robinson, "
        "Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis, Harris, Clarke, Patel, Jackson, "
        "Wood, Turner, Martin, Cooper, Hill, Ward, Morris, MacDonald, Campbell, Llewellyn",
    ),
    _culture(
        "irish",
        "Seán, Conor, Cian, Oisín, Darragh, Pádraig, Ciarán, Eoin, Niall, Cathal, Tadhg, Diarmuid, Fionn, Ronan",
        "Siobhán, Aoife, Niamh, Saoirse, Caoimhe, Róisín, Orla, Sinéad, Clodagh, Gráinne, Aisling, Éabha, Ciara",
        "Murphy, Kelly, O'Sullivan, Walsh, O'Brien, Byrne, Ryan, O'Connor, O'Neill, O'Reilly, Doyle, McCarthy, "
        "Gallagher, Ó Súilleabháin, Kennedy, Lynch, Quinn, McGrath, Ó Briain, Fitzgerald",
    ),
    _culture(
        "polish",
        "Jakub, Kacper, Szymon, Filip, Mateusz, Bartosz, Michał, Łukasz, Paweł, Piotr, Tomasz, Krzysztof, "
        "Wojciech, Adam, Marcin, Grzegorz, Maciej, Jarosław, Przemysław, Dawid",
        "Zuzanna, Julia, Maja, Zofia, Hanna, Lena, Aleksandra, Natalia, Katarzyna, Małgorzata, Agnieszka, "
        "Joanna, Magdalena, Anna, Weronika, Karolina, Beata, Jolanta, Żaneta, Dorota",
        "Nowak, Kowalski/Kowalska, Wiśniewski/Wiśniewska, Wójcik, Kowalczyk, Kamiński/Kamińska, "
        "Lewandowski/Lewandowska, Zieliński/Zielińska, Szymański/Szymańska, Woźniak, Dąbrowski/Dąbrowska, "
        "Kozłowski/Kozłowska, Jankowski/Jankowska, Mazur, Kwiatkowski/Kwiatkowska, Krawczyk, "
        "Piotrowski/Piotrowska, Grabowski/Grabowska, Pawłowski/Pawłowska, Michalski/Michalska, Król, Wieczorek, "
        "Jabłoński/Jabłońska, Wróbel, Sikora, Baran, Duda, Szczepański/Szczepańska, Żak, Łuczak, "
        "Gołębiowski/Gołębiowska",
    ),
    _culture(
        "german",
        "Lukas, Leon, Maximilian, Jonas, Felix, Paul, Finn, Elias, Noah, Tim, Jan, Niklas, Tobias, Sebastian, "
        "Florian, Stefan, Jürgen, Matthias, Moritz, Jörg, Günter",
        "Anna, Lena, Leonie, Marie, Sophie, Laura, Lea, Hannah, Emma, Mia, Katharina, Julia, Sarah, Johanna, "
        "Franziska, Jana, Sabine, Ursula, Jördis, Bärbel",
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, Koch, "
        "Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann, "
        "Lange, Schmitt, Werner, Krause, Meier, Lehmann, Köhler, Weiß, Jäger, Groß, Förster, Böhm",
    ),
    _culture(
        "french",
        "Lucas, Hugo, Louis, Gabriel, Arthur, Jules, Mathéo, Théo, Raphaël, Antoine, Nicolas, Julien, Maxime, "
        "Clément, Benoît, Jérôme, François, Loïc, Hervé, Cédric",
        "Emma, Léa, Chloé, Manon, Camille, Inès, Jade, Louise, Zoé, Clémence, Océane, Mathilde, Élodie, Hélène, "
        "Amélie, Aurélie, Céline, Gaëlle, Anaïs, Maëlle",
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent, "
        "Lefèvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, André, Lefebvre, "
        "Mercier, Dupont, Lambert, Bonnet, François, Legrand, Gauthier, Perrin, Rousseau, Lemaître, Chevalier",
    ),
    _culture(
        "spanish",
        "José, Antonio, Manuel, Francisco, David, Javier, Daniel, Carlos, Jesús, Alejandro, Miguel, Rafael, "
        "Pablo, Sergio, Álvaro, Adrián, Hugo, Iván, Rubén, Íñigo, Martín, Lucas, Mateo, Diego, Andrés",
        "María, Carmen, Lucía, Laura, Marta, Paula, Sara, Ana, Cristina, Elena, Isabel, Raquel, Alba, Nerea, "
        "Irene, Sofía, Julia, Noelia, Pilar, Begoña, Inés, Rocío, Ainhoa, Ángela, María José",
        "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez, Ruiz, "
        "Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, Torres, Domínguez, "
        "Vázquez, Ramos, Gil, Ramírez, Serrano, Blanco, Molina, Morales, Suárez, Ortega, Delgado, Castro, "
        "Ortiz, Rubio, Marín, Sanz, Núñez, Iglesias, Medina, Garrido, Cortés, Castillo, Santos, Lozano, Cano, "
        "Prieto, Méndez, Calvo, Gallego, Vidal, León, Márquez, Herrera, Peña, Cabrera, Ibáñez, Ferrer, Durán, "
        "Benítez, Sáez, Echeverría, Etxeberria, Goikoetxea",
        double_surname=0.7,
    ),
    _culture(
        "latam",
        "Santiago, Sebastián, Matías, Nicolás, Emiliano, Diego, Juan Pablo, Luis Fernando, Jorge, Ricardo, "
        "Alejandro, Fernando, Eduardo, Joaquín, Tomás, Gonzalo, Agustín, Julián, Felipe, Andrés",
        "Valentina, Camila, Isabella, Mariana, Daniela, Gabriela, Ximena, Fernanda, Valeria, Renata, Catalina, "
        "Florencia, Agustina, Guadalupe, Luciana, Juliana, Natalia, Paola",
        "Hernández, García, Martínez, López, González, Rodríguez, Pérez, Sánchez, Ramírez, Cruz, Flores, Gómez, "
        "Morales, Vázquez, Reyes, Jiménez, Torres, Díaz, Gutiérrez, Ruiz, Mendoza, Aguilar, Ortiz, Castillo, "
        "Romero, Silva, Rojas, Muñoz, Contreras, Sepúlveda, Fernández, Álvarez, Benítez, Acosta, Medina, "
        "Quispe, Mamani, Vargas, Ríos, Zapata, Cárdenas, Ospina",
        double_surname=0.6,
    ),
    _culture(
        "portuguese",
        "João, Francisco, Rodrigo, Martim, Tiago, Duarte, Gonçalo, Afonso, Pedro, Diogo, Miguel, Rui, Nuno, "
        "Luís, André, Ricardo, Vasco, Simão",
        "Maria, Leonor, Matilde, Beatriz, Carolina, Mariana, Inês, Ana, Joana, Sofia, Catarina, Rita, Teresa, "
        "Sónia, Marta, Conceição",
        "Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Martins, Jesus, Sousa, Fernandes, "
        "Gonçalves, Gomes, Lopes, Marques, Alves, Almeida, Ribeiro, Pinto, Carvalho, Teixeira, Moreira, "
        "Correia, Mendes, Nunes, Soares, Vieira, Monteiro, Cardoso, Rocha, Magalhães, Simões, Brandão, Araújo",
        double_surname=0.5,
    ),
    _culture(
        "brazilian",
        "Miguel, Arthur, Heitor, Bernardo, Davi, Théo, Lorenzo, Gabriel, Pedro Henrique, João Pedro, Lucas, "
        "Matheus, Guilherme, Gustavo, Rafael, Felipe, Vinícius, Caio, Thiago, Leonardo",
        "Helena, Alice, Laura, Maria Eduarda, Valentina, Sophia, Júlia, Isabela, Manuela, Beatriz, Larissa, "
        "Letícia, Camila, Fernanda, Gabriela, Amanda, Bruna, Luíza",
        "Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Costa, Ribeiro, "
        "Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa, Rocha, Dias, Nascimento, "
        "Andrade, Moreira, Nunes, Marques, Machado, Mendes, Freitas, Cardoso, Ramos, Gonçalves, Santana, Araújo",
        double_surname=0.4,
    ),
    _culture(
        "italian",
        "Francesco, Alessandro, Lorenzo, Leonardo, Mattia, Andrea, Gabriele, Riccardo, Tommaso, Edoardo, Marco, "
        "Luca, Giuseppe, Giovanni, Antonio, Matteo, Davide, Simone, Federico, Niccolò",
        "Sofia, Giulia, Aurora, Alice, Ginevra, Emma, Giorgia, Greta, Martina, Chiara, Francesca, Sara, "
        "Valentina, Elisa, Federica, Alessia, Beatrice, Noemi, Ilaria",
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, Conti, "
        "De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, Fontana, Santoro, Mariani, "
        "Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, Longo, Gentile, Martinelli, Vitale, Serra, Coppola, "
        "De Santis, D'Angelo, Marchetti, Parisi, Villa, Conte, Fabbri, Sanna, Piras, D'Amico, Bellini",
    ),
    _culture(
        "greek",
        "Georgios, Dimitrios, Konstantinos, Ioannis, Nikolaos, Panagiotis, Vasileios, Christos, Athanasios, "
        "Michail, Evangelos, Spyridon, Antonios, Stavros, Alexandros",
        "Maria, Eleni, Aikaterini, Vasiliki, Sofia, Angeliki, Georgia, Dimitra, Konstantina, Paraskevi, "
        "Christina, Ioanna, Evangelia, Despoina, Zoi",
        "Papadopoulos/Papadopoulou, Papadakis/Papadaki, Papageorgiou, Oikonomou, Georgiou, Nikolaou, "
        "Vlachos/Vlachou, Angelopoulos/Angelopoulou, Konstantinidis/Konstantinidou, Dimitriou, Pappas/Pappa, "
        "Karagiannis/Karagianni, Makris/Makri, Ioannidis/Ioannidou, Antoniou, Christodoulou, Alexiou, "
        "Papanikolaou, Theodorou, Mavridis/Mavridou, Kostopoulos/Kostopoulou",
    ),
    _culture(
        "turkish",
        "Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, Murat, Emre, Burak, Can, Çağlar, Oğuz, Yusuf, "
        "Eren, Arda, Kerem, Serkan, Ömer, Barış",
        "Zeynep, Elif, Ayşe, Fatma, Emine, Merve, Büşra, Esra, Özge, Gül, Hatice, Şeyma, Derya, Ecrin, Defne, "
        "Duygu, Tuğba, İrem, Selin, Nazlı",
        "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, Doğan, Kılıç, "
        "Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Özcan, Korkmaz, Çakır, Erdoğan, Yavuz, Acar, "
        "Güneş, Aksoy, Bulut, Karaca",
    ),
    _culture(
        "russian",
        "Aleksandr, Dmitriy, Maksim, Sergey, Andrey, Aleksey, Artyom, Ilya, Kirill, Mikhail, Nikita, Ivan, "
        "Yegor, Pavel, Roman, Vladimir, Denis, Yevgeniy",
        "Anastasiya, Mariya, Anna, Yelena, Olga, Natalya, Yekaterina, Tatyana, Irina, Svetlana, Yuliya, Darya, "
        "Polina, Kseniya, Viktoriya, Alina, Sofiya",
        "Ivanov/Ivanova, Smirnov/Smirnova, Kuznetsov/Kuznetsova, Popov/Popova, Vasilyev/Vasilyeva, "
        "Petrov/Petrova, Sokolov/Sokolova, Mikhaylov/Mikhaylova, Novikov/Novikova, Fyodorov/Fyodorova, "
        "Morozov/Morozova, Volkov/Volkova, Alekseyev/Alekseyeva, Lebedev/Lebedeva, Semyonov/Semyonova, "
        "Yegorov/Yegorova, Pavlov/Pavlova, Kozlov/Kozlova, Stepanov/Stepanova, Orlov/Orlova, "
        "Makarov/Makarova, Zakharov/Zakharova, Zaytsev/Zaytseva, Solovyov/Solovyova, Belov/Belova",
    ),
    _culture(
        "ukrainian",
        "Oleksandr, Andriy, Serhiy, Dmytro, Oleh, Mykola, Yuriy, Bohdan, Taras, Volodymyr, Vitaliy, Ihor, "
        "Maksym, Artem, Denys, Yaroslav",
        "Olena, Oksana, Nataliya, Iryna, Tetiana, Yuliia, Kateryna, Anastasiia, Olha, Svitlana, Khrystyna, "
        "Solomiia, Mariia, Viktoriia, Daryna",
        "Melnyk, Shevchenko, Boyko, Kovalenko, Bondarenko, Tkachenko, Kovalchuk, Kravchenko, Oliynyk, "
        "Shevchuk, Koval, Polishchuk, Bondar, Tkachuk, Moroz, Marchenko, Lysenko, Rudenko, Savchenko, "
        "Petrenko, Klymenko, Pavlenko, Kravchuk, Kuzmenko, Ponomarenko, Vasylenko, Levchenko, Karpenko",
    ),
    _culture(
        "czech",
        "Jakub, Jan, Tomáš, Matyáš, Adam, Filip, Vojtěch, Lukáš, Ondřej, Martin, Petr, Jiří, Pavel, Josef, "
        "Marek, Michal, Radek",
        "Eliška, Tereza, Anna, Adéla, Natálie, Sofie, Karolína, Kristýna, Veronika, Lucie, Petra, Jana, Hana, "
        "Markéta, Zuzana, Barbora",
        "Novák/Nováková, Svoboda/Svobodová, Novotný/Novotná, Dvořák/Dvořáková, Černý/Černá, "
        "Procházka/Procházková, Kučera/Kučerová, Veselý/Veselá, Horák/Horáková, Němec/Němcová, "
        "Pokorný/Pokorná, Marek/Marková, Pospíšil/Pospíšilová, Hájek/Hájková, Jelínek/Jelínková, Král/Králová, "
        "Růžička/Růžičková, Beneš/Benešová, Fiala/Fialová, Sedláček/Sedláčková",
    ),
    _culture(
        "hungarian",
        "Bence, Máté, Levente, Dominik, Ádám, Dániel, Balázs, Gergő, Zoltán, László, István, Péter, Tamás, "
        "Attila, Gábor, Csaba",
        "Hanna, Anna, Zoé, Luca, Boglárka, Lilla, Réka, Eszter, Katalin, Zsófia, Éva, Krisztina, Andrea, "
        "Ildikó, Dóra, Nóra",
        "Nagy, Kovács, Tóth, Szabó, Horváth, Varga, Kiss, Molnár, Németh, Farkas, Balogh, Papp, Takács, Juhász, "
        "Lakatos, Mészáros, Oláh, Simon, Rácz, Fekete, Szilágyi, Török, Fehér, Gál, Szűcs, Kocsis, Pintér",
    ),
    _culture(
        "romanian",
        "Andrei, Alexandru, Ionuț, Mihai, Ștefan, Gabriel, Cristian, Adrian, Florin, Bogdan, Marius, Răzvan, "
        "Vlad, Tudor, Ciprian, Dragoș, Sorin, Radu",
        "Maria, Elena, Ioana, Andreea, Alexandra, Ana-Maria, Mihaela, Cristina, Gabriela, Alina, Bianca, "
        "Roxana, Larisa, Daria, Raluca, Oana, Irina, Ștefania",
        "Popa, Popescu, Pop, Radu, Dumitru, Stan, Stoica, Gheorghe, Matei, Ciobanu, Ionescu, Rusu, Munteanu, "
        "Constantin, Mihai, Dinu, Toma, Lungu, Marin, Moldovan, Florea, Tănase, Nistor, Dobre, Bălan, "
        "Vasilescu, Georgescu, Niculescu, Șerban",
    ),
    _culture(
        "bulgarian",
        "Georgi, Ivan, Dimitar, Nikolay, Hristo, Petar, Aleksandar, Stoyan, Todor, Martin, Viktor, Kaloyan",
        "Mariya, Ivana, Elena, Desislava, Gergana, Teodora, Viktoriya, Yordanka, Raya, Nikol, Kristina, Radostina",
        "Ivanov/Ivanova, Georgiev/Georgieva, Dimitrov/Dimitrova, Petrov/Petrova, Nikolov/Nikolova, "
        "Hristov/Hristova, Stoyanov/Stoyanova, Todorov/Todorova, Iliev/Ilieva, Vasilev/Vasileva, "
        "Atanasov/Atanasova, Angelov/Angelova, Kolev/Koleva, Yordanov/Yordanova, Marinov/Marinova",
    ),
    _culture(
        "balkan",
        "Luka, Marko, Stefan, Nikola, Filip, Ivan, Petar, Aleksandar, Miloš, Nemanja, Dušan, Matej, Josip, "
        "Tomislav, Dario, Đorđe",
        "Ana, Jelena, Marija, Milica, Ivana, Sara, Teodora, Katarina, Nina, Petra, Mia, Lucija, Ema, Maja, "
        "Dragana, Snežana",
        "Jovanović, Petrović, Nikolić, Marković, Đorđević, Stojanović, Ilić, Stanković, Pavlović, Milošević, "
        "Horvat, Kovačević, Babić, Marić, Jurić, Knežević, Vuković, Perić, Matić, Tomić, Popović, Lukić, "
        "Šarić, Božić",
    ),
    _culture(
        "lithuanian",
        "Lukas, Matas, Jonas, Dominykas, Mantas, Tomas, Darius, Paulius, Mindaugas, Vytautas, Gediminas, Justinas",
        "Emilija, Gabija, Austėja, Ugnė, Kornelija, Rūta, Eglė, Giedrė, Ieva, Laura, Aistė, Greta",
        "Kazlauskas/Kazlauskienė, Jankauskas/Jankauskienė, Petrauskas/Petrauskienė, "
        "Stankevičius/Stankevičienė, Vasiliauskas/Vasiliauskienė, Žukauskas/Žukauskienė, Butkus/Butkienė, "
        "Paulauskas/Paulauskienė, Urbonas/Urbonienė, Kavaliauskas/Kavaliauskienė",
    ),
    _culture(
        "danish",
        "William, Noah, Oscar, Lucas, Victor, Malthe, Emil, Frederik, Magnus, Mads, Rasmus, Søren, Jens, "
        "Niels, Anders, Mikkel",
        "Alma, Ida, Clara, Ella, Freja, Sofie, Emma, Laura, Mathilde, Signe, Mette, Camilla, Line, Maja, "
        "Astrid, Kirsten",
        "Nielsen, Jensen, Hansen, Pedersen, Andersen, Christensen, Larsen, Sørensen, Rasmussen, Jørgensen, "
        "Petersen, Madsen, Kristensen, Olsen, Thomsen, Christiansen, Poulsen, Johansen, Møller, Mortensen, "
        "Ørsted, Kjær, Høj, Dahl, Bæk",
    ),
    _culture(
        "norwegian",
        "Jakob, Emil, Noah, Oliver, Filip, Lukas, William, Aksel, Henrik, Sander, Håkon, Ole, Eirik, Øystein, "
        "Bjørn, Sindre",
        "Nora, Emma, Ella, Maja, Olivia, Sofie, Ingrid, Sara, Ingeborg, Tuva, Solveig, Kari, Ragnhild, Åse, "
        "Marte, Sigrid",
        "Hansen, Johansen, Olsen, Larsen, Andersen, Pedersen, Nilsen, Kristiansen, Jensen, Karlsen, Johnsen, "
        "Pettersen, Eriksen, Berg, Haugen, Hagen, Johannessen, Andreassen, Jacobsen, Halvorsen, Lund, Bakken, "
        "Solberg, Strand, Ødegård, Sæther, Aas",
    ),
    _culture(
        "swedish",
        "Erik, Lars, Karl, Anders, Johan, Per, Nils, Lennart, Mikael, Jan, Hans, Olof, Oscar, Hugo, Axel, "
        "Elias, Viktor, Gustav, Björn",
        "Anna, Eva, Maria, Karin, Kristina, Lena, Sara, Emma, Elin, Ida, Maja, Ebba, Alva, Linnéa, Åsa, Märta, "
        "Saga, Ingrid",
        "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, Svensson, Gustafsson, "
        "Pettersson, Jonsson, Jansson, Hansson, Bengtsson, Jönsson, Lindberg, Jakobsson, Magnusson, Lindström, "
        "Lindqvist, Berglund, Fredriksson, Sandberg, Forsberg, Sjöberg, Wallin, Engström, Åberg, Lundgren, "
        "Söderberg, Öberg, Ström",
    ),
    _culture(
        "finnish",
        "Juhani, Johannes, Mikael, Matti, Timo, Jari, Antti, Mikko, Ville, Jukka, Eero, Onni, Väinö, Aleksi, "
        "Lauri, Sami",
        "Maria, Sofia, Aino, Helmi, Emilia, Anna, Johanna, Tiina, Sari, Päivi, Hanna, Elina, Laura, Minna, "
        "Kaisa, Pihla, Aada",
        "Korhonen, Virtanen, Mäkinen, Nieminen, Mäkelä, Hämäläinen, Laine, Heikkinen, Koskinen, Järvinen, "
        "Lehtonen, Lehtinen, Saarinen, Salminen, Heinonen, Niemi, Heikkilä, Kinnunen, Salonen, Turunen, Salo, "
        "Laitinen, Tuominen, Rantanen, Karjalainen, Jokinen, Mattila, Savolainen, Lahtinen, Ahonen",
    ),
    _culture(
        "dutch",
        "Daan, Sem, Lucas, Levi, Finn, Milan, Bram, Thijs, Jesse, Ruben, Stijn, Lars, Joris, Pieter, Sander, "
        "Wouter, Joost, Koen, Maarten",
        "Emma, Julia, Sophie, Tess, Mila, Sara, Fleur, Lotte, Anouk, Sanne, Femke, Eva, Iris, Lieke, Noor, "
        "Marloes, Ilse, Annelies",
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, de Boer, "
        "Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit, Dijkstra, Smits, "
        "de Graaf, van der Meer, van der Linden, Kok, Jacobs, de Haan, Vermeulen, Peeters, Maes, Willems, "
        "Claes, Goossens, Wouters, De Smet, Verstraete",
    ),
    _culture(
        "chinese",
        "Wei, Hao, Yang, Jun, Lei, Jie, Tao, Bo, Haoran, Yuxuan, Zihao, Junjie, Jianguo, Zhiwei, Xiaoming, "
        "Tianyu, Yichen, Mingze, Zhihao, Jiahao, Yifan, Boyang, Qiang, Peng",
        "Jing, Li, Fang, Min, Ying, Xiuying, Yan, Na, Xin, Yuting, Xinyi, Zixuan, Yutong, Jiayi, Meiling, "
        "Xiaoyan, Lili, Hui, Ting, Qian, Wei",
        "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, He, Lin, Gao, Luo, "
        "Zheng, Liang, Xie, Song, Tang, Han, Feng, Deng, Cao, Peng, Zeng, Xiao, Tian, Dong, Pan, Yuan, Cai, "
        "Jiang, Yu, Du, Ye, Cheng, Wei, Su, Lyu, Ding, Ren, Shen, Yao, Lu, Cui, Zhong, Tan, Fan",
        skew=1.0,
    ),
    _culture(
        "cantonese",
        "Ka Ho, Chun Kit, Wing Hong, Man Kit, Ho Yin, Chi Wai, Tsz Hin, Hiu Fung, Pak Hei, Kwok Wai",
        "Wing Yan, Hoi Yan, Ka Yan, Mei Ling, Tsz Ching, Hiu Tung, Sze Wing, Wai Man, Pui Shan",
        "Chan, Wong, Lee, Cheung, Lau, Ho, Ng, Leung, Lam, Chow, Tsang, Yeung, Tang, Kwok, Fung, Cheng, Tse, "
        "Yip, Lo, Mak, Chu, Au",
        skew=1.0,
    ),
    _culture(
        "taiwanese",
        "Chia-Hao, Chih-Wei, Yu-Cheng, Cheng-Han, Po-Yu, Tsung-Han, Kuan-Ting, Yi-Hsiang, Chun-Chieh",
        "Yi-Ting, Ya-Ting, Hsin-Yi, Shu-Fen, Pei-Yu, Chia-Hui, Yu-Ting, Hui-Chun, I-Chen",
        "Chen, Lin, Huang, Chang, Li, Wang, Wu, Liu, Tsai, Yang, Hsu, Cheng, Hsieh, Kuo, Hung, Tseng, Chiu, "
        "Lai, Chou, Yeh",
        skew=1.0,
    ),
    _culture(
        "japanese",
        "Haruto, Sota, Yuto, Riku, Ren, Hiroshi, Takashi, Kenji, Daiki, Shota, Yuki, Kenta, Takumi, Kaito, "
        "Ryota, Sho, Naoki, Kazuki, Tatsuya, Yusuke",
        "Yui, Himari, Yuna, Aoi, Sakura, Hina, Yuki, Haruka, Misaki, Ayaka, Mei, Nanami, Rin, Saki, Miyu, Yoko, "
        "Keiko, Akiko, Emi, Mao",
        "Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, Yoshida, Yamada, "
        "Sasaki, Yamaguchi, Matsumoto, Inoue, Kimura, Hayashi, Shimizu, Yamazaki, Mori, Abe, Ikeda, Hashimoto, "
        "Yamashita, Ishikawa, Nakajima, Maeda, Fujita, Ogawa, Goto, Okada, Hasegawa, Murakami, Kondo, Saito",
        skew=0.7,
    ),
    _culture(
        "korean",
        "Min-jun, Seo-jun, Do-yun, Ye-jun, Si-woo, Ha-jun, Ji-ho, Jun-seo, Hyun-woo, Ji-hoon, Sung-min, "
        "Dong-hyun, Jae-won, Young-ho, Jin-woo, Tae-yang",
        "Seo-yeon, Ha-eun, Ji-woo, Seo-yun, Min-seo, Ji-yoo, Su-ah, Ha-yoon, Ji-min, Yu-na, Eun-ji, Hye-jin, "
        "Soo-jin, Ji-hye, Min-ji, Da-eun",
        "Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon, Jang, Lim, Han, Oh, Seo, Shin, Kwon, Hwang, Ahn, Song, "
        "Jeon, Hong, Yoo, Ko, Moon, Yang, Son, Bae, Baek, Heo, Nam",
        skew=1.4,
    ),
    _culture(
        "vietnamese",
        "Văn Minh, Văn Hùng, Đức Anh, Minh Khôi, Quốc Bảo, Hoàng Long, Gia Huy, Thành Đạt, Tuấn Anh, Quang Huy, "
        "Ngọc Sơn, Hữu Phước, Đình Trọng, Mạnh Cường, Trung Kiên",
        "Thị Lan, Thị Hương, Thị Mai, Ngọc Anh, Thu Trang, Phương Linh, Thị Thu Hà, Bảo Ngọc, Khánh Linh, "
        "Minh Châu, Thanh Hằng, Thùy Dung, Hồng Nhung, Mai Anh, Quỳnh Anh, Thảo Vy",
        "Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý, Đinh, Trương, "
        "Đoàn, Lâm",
        skew=1.7,
    ),
    _culture(
        "thai",
        "Somchai, Somsak, Anan, Krit, Nattapong, Thanawat, Phongsakorn, Wichai, Chaiwat, Kittipong, Apichat, "
        "Teerawat, Sarawut, Pakorn",
        "Siriporn, Nattaya, Kanokwan, Pimchanok, Supaporn, Wanida, Chayanit, Nattida, Ratchanee, Sukanya, "
        "Thanyarat, Pornthip, Kulthida, Jiraporn",
        "Saelim, Saetang, Srisuwan, Thongchai, Boonmee, Chaiyasit, Kongsuk, Phromma, Sriwongsa, Suksawat, "
        "Wongsuwan, Jaidee, Rattanapong, Kaewmanee, Siriwat, Charoenpong, Somboon, Thammasak",
        skew=0.5,
    ),
    _culture(
        "malay",
        "Muhammad Rizky, Budi, Agus, Andi, Dedi, Eko, Fajar, Hendra, Rizal, Adi, Bayu, Dimas, Ahmad, Putra, "
        "Arif, Irfan, Hafiz, Aiman, Danial, Farhan",
        "Siti Nurhaliza, Dewi, Sri, Putri, Ayu, Rina, Wulan, Nur Aisyah, Indah, Fitri, Lestari, Nurul, Aisyah, "
        "Intan, Nabila, Anis, Mega",
        "Santoso, Wijaya, Susanto, Hidayat, Saputra, Kusuma, Pratama, Setiawan, Gunawan, Halim, Nugroho, "
        "Wibowo, Rahman, Abdullah, Ismail, Ibrahim, Hassan, Hamid, Yusof, Aziz, Tan, Lim, Ong",
    ),
    _culture(
        "filipino",
        "Juan, Jose, Mark, John Paul, Christian, Jerome, Angelo, Carlo, Rafael, Miguel, Paolo, Jericho, "
        "Kenneth, Emmanuel",
        "Maria Clara, Angel, Princess, Kristine, Mary Grace, Jasmine, Nicole, Patricia, Camille, Andrea, Joy, "
        "Rhea, Marites, Lovely",
        "Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Torres, Tomas, Andrada, Castillo, Flores, "
        "Villanueva, Ramos, Castro, Rivera, Aquino, Navarro, Salazar, Mercado, Dela Cruz, De Leon, Gonzales, "
        "Dizon, Manalo, Pascual",
    ),
    _culture(
        "hindi",
        "Aarav, Vivaan, Aditya, Arjun, Rohan, Rahul, Amit, Vikram, Sanjay, Rajesh, Suresh, Anil, Karan, Ishaan, "
        "Siddharth, Manish, Deepak, Nikhil, Varun, Harsh",
        "Priya, Ananya, Diya, Aditi, Pooja, Neha, Sneha, Kavya, Isha, Riya, Anjali, Shreya, Nisha, Sunita, "
        "Meera, Aishwarya, Divya, Simran, Pallavi, Tanvi",
        "Sharma, Verma, Gupta, Singh, Kumar, Patel, Shah, Mehta, Agarwal, Jain, Joshi, Chauhan, Yadav, Mishra, "
        "Pandey, Tiwari, Srivastava, Saxena, Malhotra, Kapoor, Chopra, Bhatia, Desai, Kulkarni, Deshpande, "
        "Patil, Banerjee, Chatterjee, Mukherjee, Das, Bose, Ghosh",
    ),
    _culture(
        "south_indian",
        "Karthik, Arun, Vijay, Prakash, Srinivas, Ramesh, Venkatesh, Ganesh, Hari, Surya, Praveen, Naveen, "
        "Sai Kiran, Mohan",
        "Lakshmi, Divya, Deepa, Priyanka, Swathi, Keerthana, Sowmya, Anitha, Kavitha, Revathi, Harini, Nandini, "
        "Shruthi, Meenakshi",
        "Iyer, Iyengar, Nair, Menon, Pillai, Reddy, Rao, Naidu, Krishnan, Subramanian, Raman, Srinivasan, "
        "Venkataraman, Natarajan, Gopal, Rajan, Balasubramanian, Shetty, Hegde, Kamath",
    ),
    _culture(
        "pakistani",
        "Muhammad, Ahmed, Ali, Hassan, Hamza, Usman, Bilal, Imran, Faisal, Zain, Umar, Saad, Asad, Waqas, "
        "Fahad, Haris, Shahid",
        "Ayesha, Fatima, Zainab, Maryam, Hira, Sana, Amna, Mahnoor, Iqra, Sidra, Rabia, Noor, Mehwish, Khadija, "
        "Aqsa, Anam",
        "Khan, Ahmed, Ali, Hussain, Shah, Malik, Qureshi, Chaudhry, Butt, Sheikh, Siddiqui, Raza, Iqbal, "
        "Abbasi, Mirza, Javed, Akhtar, Rana, Baig, Aslam, Awan, Bhatti",
    ),
    _culture(
        "arabic",
        "Mohammed, Ahmed, Omar, Khalid, Abdullah, Youssef, Ali, Hassan, Ibrahim, Mahmoud, Mustafa, Tariq, "
        "Faisal, Saeed, Hamad, Rashid, Karim, Nasser, Ziad, Yasser, Abdulrahman",
        "Fatima, Mariam, Noura, Aisha, Layla, Sara, Huda, Amal, Reem, Hind, Salma, Yasmin, Dina, Rania, Nour, "
        "Lina, Hessa, Shaikha, Asma, Jana",
        "Al-Rashid, Al-Mansouri, Al-Hashimi, Al-Qahtani, Al-Otaibi, Al-Ghamdi, Al-Zahrani, Al-Shamsi, "
        "Al-Nuaimi, Al-Mazrouei, Al-Harbi, Al-Dosari, Hassan, Ibrahim, Mahmoud, Abdelrahman, El-Sayed, Mostafa, "
        "Abdallah, Haddad, Khoury, Nasser, Saleh, Mansour, Farouk, Khalil, El Amrani, Benali, Bennani, "
        "Alaoui, Tazi, El Idrissi, Benjelloun",
        skew=0.7,
    ),
    _culture(
        "persian",
        "Mohammad, Ali, Reza, Amir, Hossein, Mehdi, Mohsen, Hamid, Saeed, Arash, Babak, Dariush, Kourosh, "
        "Farhad, Pouya, Sina",
        "Fatemeh, Zahra, Maryam, Sara, Narges, Leila, Shirin, Parisa, Nazanin, Mahsa, Niloufar, Roya, Ladan, "
        "Soheila, Yasaman, Setareh",
        "Mohammadi, Hosseini, Ahmadi, Rezaei, Moradi, Karimi, Jafari, Rahimi, Hashemi, Mousavi, Ghasemi, "
        "Sadeghi, Heidari, Kazemi, Ebrahimi, Najafi, Rostami, Shirazi, Tehrani, Esfahani",
    ),
    _culture(
        "nigerian",
        "Oluwaseun, Chukwuemeka, Emeka, Tunde, Babatunde, Oluwadamilare, Chinedu, Ifeanyi, Abubakar, Ibrahim, "
        "Musa, Segun, Femi, Obinna, Uche, Kelechi, Adebayo",
        "Chiamaka, Ngozi, Adaeze, Funmilayo, Folake, Oluwaseyi, Blessing, Chioma, Amina, Aisha, Temitope, "
        "Yetunde, Nkechi, Ifeoma, Zainab, Bukola",
        "Adeyemi, Okafor, Okonkwo, Eze, Nwosu, Ogunleye, Adebayo, Bello, Abubakar, Ibrahim, Okeke, Olawale, "
        "Ogunbiyi, Balogun, Afolabi, Chukwu, Nnamdi, Obi, Onyeka, Adewale, Mohammed, Usman, Danjuma",
    ),
    _culture(
        "kenyan",
        "Brian, Kevin, Dennis, Collins, Evans, Victor, Kamau, Otieno, Mwangi, Kipchoge, Omondi, Juma, Baraka, Emmanuel",
        "Faith, Mercy, Grace, Sharon, Wanjiru, Akinyi, Achieng, Njeri, Wambui, Chebet, Nafula, Zawadi, Neema, Esther",
        "Mwangi, Otieno, Kamau, Ochieng, Wanjiku, Kiprono, Kariuki, Njoroge, Odhiambo, Mutua, Kimani, Onyango, "
        "Chege, Wafula, Kiptoo, Omondi, Mutiso, Ndungu, Cheruiyot, Kibet",
    ),
]

CULTURES: dict[str, Culture] = {culture.key: culture for culture in _CULTURES}


def distinct_names() -> tuple[set[str], set[str]]:
    """Every given name and every surname form the generator can produce (for tests and docs)."""
    given: set[str] = set()
    surnames: set[str] = set()
    for culture in _CULTURES:
        given.update(culture.male.names, culture.female.names)
        for name in culture.surnames.names:
            surnames.update(name.split("/"))
    return given, surnames
