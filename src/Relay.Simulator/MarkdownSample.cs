using System.Text.RegularExpressions;

namespace Relay.Simulator;

/// <summary>
/// The answer to a prompt that asks for Markdown, code or a table: one document with every construct a terminal renderer
/// has to get right (headings, emphasis, inline code, a link, lists, a quote, a fenced code block, a table with wide
/// characters), then explanation prose for any tokens beyond it. One token is a word with the whitespace before it, so
/// the document streams as a model's would: fences, table rows and list markers arrive in pieces.
/// </summary>
internal static partial class MarkdownSample
{
    /// <summary>The document; the answer starts with it.</summary>
    public const string Document = """
        ## Streaming in short

        A **stream** sends each token *as it is made*, and `Last-Event-ID` lets a client resume. See [the SSE spec](https://html.spec.whatwg.org/multipage/server-sent-events.html).

        - the edge relays every event
        - the client reconnects with backoff
          1. wait
          2. resume

        > A dropped connection costs a moment, not the answer.

        ```csharp
        await foreach (var e in client.StreamAsync(request))
        {
            Console.Write(e.Text); // flushed per token
        }
        ```

        | city | tokens | note |
        |:---|---:|---|
        | Zürich | 42 | fast |
        | 東京 | 7 | 🎉 wide |
        """;

    private static readonly string[] DocumentTokens = [.. Token().Matches(Document).Select(m => m.Value)];

    /// <summary>Exactly <paramref name="count"/> tokens: the document (cut, when fewer), then explanation paragraphs.</summary>
    public static List<string> Tokens(Random random, int count)
    {
        if (count <= DocumentTokens.Length)
        {
            return [.. DocumentTokens[..count]];
        }

        var prose = ProseGrammar.Explanation.Tokens(random, count - DocumentTokens.Length);
        prose[0] = "\n\n" + prose[0];
        return [.. DocumentTokens, .. prose];
    }

    [GeneratedRegex(@"\s*\S+")]
    private static partial Regex Token();
}
