/**
 * Message texts for generated captures: 2 to 20 words drawn from a vocabulary of made-up words
 * (syllables of a seeded random generator), so that texts do not repeat beyond chance.
 */
const ONSETS = [
  "",
  "b",
  "br",
  "c",
  "ch",
  "d",
  "f",
  "g",
  "gr",
  "h",
  "j",
  "k",
  "l",
  "m",
  "n",
  "p",
  "pl",
  "r",
  "s",
  "st",
  "t",
  "tr",
  "v",
  "w",
  "z",
];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "y"];
const CODAS = ["", "", "n", "r", "s", "t", "l", "m", "ck", "nd", "st"];
const ENDINGS = ["", "", "", ".", "?", "!", "..."];

export class TextMaker {
  private readonly words: string[];

  /** `size` distinct words. */
  constructor(
    private readonly random: () => number,
    size = 4096,
  ) {
    const seen = new Set<string>();
    while (seen.size < size) seen.add(this.makeWord());
    this.words = [...seen];
  }

  /** A word of the vocabulary. */
  word(): string {
    return this.words[Math.floor(this.random() * this.words.length)]!;
  }

  /** 2 to 20 words, sometimes capitalised, sometimes ending in punctuation. */
  sentence(): string {
    const n = 2 + Math.floor(this.random() * 19);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(this.word());
    let text = parts.join(" ");
    if (this.random() < 0.5) text = text[0]!.toUpperCase() + text.slice(1);
    return text + ENDINGS[Math.floor(this.random() * ENDINGS.length)]!;
  }

  private makeWord(): string {
    const pick = (list: readonly string[]) => list[Math.floor(this.random() * list.length)]!;
    let w = "";
    for (let s = 1 + Math.floor(this.random() * 3); s > 0; s--) w += pick(ONSETS) + pick(VOWELS);
    return w + pick(CODAS);
  }
}
