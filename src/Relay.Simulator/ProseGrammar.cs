namespace Relay.Simulator;

/// <summary>
/// Readable English for simulated answers, from a small grammar: sentences of the shape
/// <c>[Opener] Subject Verb Object {Place}</c>, each built to an exact number of tokens (one word a token, punctuation on the
/// last word), so an answer of N tokens is N chunks and still ends with a whole sentence. Stories are told in the past
/// tense with characters; anything else gets present-tense explanation. The vocabulary carries accented words, a CJK
/// place name and emoji, so answers exercise multi-byte UTF-8 the way real ones do. The word lists are our own.
/// </summary>
internal sealed class ProseGrammar
{
    /// <summary>Past tense, people and places: for "write a story".</summary>
    public static readonly ProseGrammar Story = new(
        subjects: ["the old fisherman", "the girl", "her grandmother", "the baker", "José", "Zoë", "the young painter", "the stranger", "the children", "the captain"],
        verbs: ["carried", "found", "remembered", "painted", "followed", "opened", "watched", "mended", "shared", "hid"],
        objects: ["a small boat", "the letter", "a blue lantern", "the map", "an old song", "the café sign", "a crème brûlée", "the garden gate", "a wooden box", "the kite 🪁"],
        places: ["past the quiet houses", "near the stone bridge", "by the river 🌊", "in Kraków", "under the bright stars", "across the harbour", "before the rain", "in 東京", "along the façade", "after the long winter"],
        openers: ["That morning,", "Years later,", "At dusk,", "Without a word,", "Once upon a time,", "By noon,", "Later that night,", "In the spring,"],
        adjectives: ["quiet", "patient", "curious", "tired", "brave", "gentle", "naïve", "cheerful"]);

    /// <summary>Present tense, things and ideas: for everything else.</summary>
    public static readonly ProseGrammar Explanation = new(
        subjects: ["a river", "the tide", "every city", "a good map", "the wind", "a mountain lake", "the café owner", "each season", "a careful reader", "the old library"],
        verbs: ["shapes", "carries", "changes", "holds", "reveals", "protects", "connects", "follows", "explains", "feeds"],
        objects: ["the valley", "its people", "a hidden pattern", "the morning light", "every harbour", "the résumé of a place", "small gardens", "the coastline", "a quiet rhythm", "the rain 🌧️"],
        places: ["over many years", "near Zürich", "in most countries", "from north to south", "after a storm", "in 東京 too", "along the coast", "through the night", "without much noise", "in every season 🎉"],
        openers: ["In practice,", "Over time,", "For example,", "In short,", "Most of all,", "At the same time,", "Put simply,", "Even so,"],
        adjectives: ["slow", "steady", "ancient", "modern", "hidden", "shallow", "busy", "distant"]);

    private static readonly string[][] Adverbs = Split(["again", "slowly", "together", "carefully", "quietly", "once more", "at last", "with care", "each day", "for a while"]);

    private readonly string[][] _subjects;
    private readonly string[] _verbs;
    private readonly string[][] _objects;
    private readonly string[][] _places;
    private readonly string[][] _openers;
    private readonly string[] _adjectives;

    private ProseGrammar(string[] subjects, string[] verbs, string[] objects, string[] places, string[] openers, string[] adjectives)
    {
        _subjects = Split(subjects);
        _verbs = verbs;
        _objects = Split(objects);
        _places = Split(places);
        _openers = Split(openers);
        _adjectives = adjectives;
    }

    /// <summary>Exactly <paramref name="count"/> tokens of whole sentences, in paragraphs of three to five sentences.</summary>
    public List<string> Tokens(Random random, int count)
    {
        var tokens = new List<string>(count);
        var sentencesInParagraph = 0;
        var paragraphLength = random.Next(3, 6);
        while (tokens.Count < count)
        {
            var left = count - tokens.Count;

            // Sentences of 6 to 16 tokens; the last takes what is left, and no sentence is left shorter than 6 unless the whole answer is.
            var length = left <= 16 ? left : random.Next(6, 17);
            if (left - length is > 0 and < 6)
            {
                length = left - 6;
            }

            var sentence = Sentence(random, length);
            var separator = tokens.Count == 0 ? "" : sentencesInParagraph == paragraphLength ? "\n\n" : " ";
            if (separator == "\n\n")
            {
                sentencesInParagraph = 0;
                paragraphLength = random.Next(3, 6);
            }

            sentence[0] = char.ToUpperInvariant(sentence[0][0]) + sentence[0][1..];
            sentence[^1] += random.Next(12) == 0 ? "!" : ".";
            tokens.Add(separator + sentence[0]);
            for (var i = 1; i < sentence.Count; i++)
            {
                tokens.Add(" " + sentence[i]);
            }

            sentencesInParagraph++;
        }

        return tokens;
    }

    /// <summary>The words of one sentence of exactly <paramref name="length"/> words (at least 1).</summary>
    private List<string> Sentence(Random random, int length)
    {
        if (length <= 2)
        {
            return length == 1 ? ["indeed"] : ["that", "helps"];
        }

        var subject = Pick(random, _subjects);
        var verb = _verbs[random.Next(_verbs.Length)];
        if (length < subject.Length + 1 + 2)
        {
            // Too short for an object: "The girl smiled." shapes, padded with adjectives.
            string[] shortVerbs = ["waited", "listened", "smiled", "rested"];
            var words = new List<string> { "the" };
            var adjectives = Shuffled(random, _adjectives);
            for (var i = 0; i < length - 3; i++)
            {
                words.Add(adjectives[i]);
            }

            words.Add(_subjects[0][^1]);
            words.Add(shortVerbs[random.Next(shortVerbs.Length)]);
            return words;
        }

        var sentence = new List<string>(length);
        var opener = random.Next(3) == 0 ? Pick(random, _openers) : [];
        if (length - opener.Length < subject.Length + 1 + 2)
        {
            opener = [];
        }

        var @object = Pick(random, _objects);
        var core = opener.Length + subject.Length + 1 + @object.Length;
        if (core > length)
        {
            @object = ["it"];
            core = opener.Length + subject.Length + 2;
        }

        // Places fill what is left; the last gap (one word, or a place too long) takes an adjective or an adverb.
        var places = new List<string[]>();
        var left = length - core;
        foreach (var place in Shuffled(random, _places))
        {
            if (place.Length <= left && places.Count < 2 && !places.Any(p => p[0] == place[0]))
            {
                places.Add(place);
                left -= place.Length;
            }
        }

        sentence.AddRange(opener);
        sentence.AddRange(subject);
        sentence.Add(verb);
        sentence.AddRange(@object);
        foreach (var place in places)
        {
            sentence.AddRange(place);
        }

        // Adverbs close the gap: five single words and five pairs cover any gap a sentence of at most 16 words leaves.
        foreach (var adverb in Shuffled(random, Adverbs))
        {
            if (left == 0)
            {
                break;
            }

            if (adverb.Length <= left && !sentence.Contains(adverb[0]))
            {
                sentence.AddRange(adverb);
                left -= adverb.Length;
            }
        }

        return sentence;
    }

    private static string[] Pick(Random random, string[][] choices) => choices[random.Next(choices.Length)];

    private static T[] Shuffled<T>(Random random, T[] items)
    {
        var copy = (T[])items.Clone();
        random.Shuffle(copy);
        return copy;
    }

    private static string[][] Split(string[] phrases) => [.. phrases.Select(p => p.Split(' '))];
}
