using System.Text;
using System.Text.RegularExpressions;
using Relay.Cli.Markdown;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Cli.Tests;

public sealed partial class MarkdownStreamTests
{
    private static readonly IReadOnlyList<string> SampleTokens =
        SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Show me some code")], tokens: 200).Tokens;

    [Fact]
    public void The_block_in_progress_is_plain_and_a_finished_one_is_redrawn_rendered_in_place()
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, 80, 24);
        stream.Write("Some **bold");
        stream.Write("** text\nand `code`\n");
        Assert.Equal("Some **bold** text\nand `code`\n", output.ToString());

        stream.Write("\n## Nex");
        Assert.Equal("Some bold text\nand code\n\n## Nex", TerminalScreen.Render(output.ToString()));
        Assert.Contains("\u001b[1mbold", output.ToString(), StringComparison.Ordinal);

        stream.Write("t");
        Assert.EndsWith("## Next", TerminalScreen.Render(output.ToString()), StringComparison.Ordinal);
        stream.Complete();
        Assert.Equal("Some bold text\nand code\n\nNext", TerminalScreen.Render(output.ToString()));
        Assert.True(stream.AtLineStart);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(41)]
    [InlineData(80)]
    [InlineData(120)]
    public void Streamed_a_token_at_a_time_the_screen_is_what_the_whole_answer_renders_to(int width)
    {
        var whole = new StringWriter();
        var once = new MarkdownStream(whole, width, 50);
        once.Write(string.Concat(SampleTokens));
        once.Complete();

        var streamed = new StringWriter();
        var stream = new MarkdownStream(streamed, width, 50);
        foreach (var token in SampleTokens)
        {
            stream.Write(token);
        }

        stream.Complete();
        var screen = TerminalScreen.Render(streamed.ToString(), width);
        Assert.Equal(TerminalScreen.Render(whole.ToString(), width), screen);
        Assert.DoesNotContain("**", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("## ", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("| Zürich", screen, StringComparison.Ordinal);
        Assert.Contains("Streaming in short", screen, StringComparison.Ordinal);
        Assert.Contains("• the edge relays", screen, StringComparison.Ordinal);
        Assert.Contains("│ A dropped connection", screen, StringComparison.Ordinal);
        Assert.Contains("╭", screen, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(80)]
    public void Rows_of_a_table_with_wide_characters_line_up_and_fit_the_width(int width)
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, width, 50);
        stream.Write("| city | note |\n|---|---|\n| 東京 | 🎉 wide |\n| Zürich | a longer note that has to wrap on a narrow terminal |\n");
        stream.Complete();

        var rows = TerminalScreen.Render(output.ToString(), width).Split('\n');
        Assert.All(rows, r => Assert.Contains(r[0], "╭│├╰"));
        var widths = rows.Select(r => r.EnumerateRunes().Sum(TerminalWidths.Of)).Distinct().ToList();
        Assert.True(widths.Count == 1 && widths[0] <= width, $"row widths {string.Join(", ", widths)} on {width} columns:\n{string.Join('\n', rows)}");
    }

    [Fact]
    public void A_table_is_held_until_it_is_complete()
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, 80, 50);
        foreach (var token in SampleTokens)
        {
            stream.Write(token);
            Assert.DoesNotContain("| Zürich", output.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("| city", output.ToString(), StringComparison.Ordinal);
        }

        stream.Complete();
        Assert.Contains("│ Zürich │", TerminalScreen.Render(output.ToString()), StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_that_start_with_a_pipe_but_make_no_table_are_written_once_the_second_line_shows_it()
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, 80, 50);
        stream.Write("| not a table\n");
        Assert.Equal("", output.ToString());
        stream.Write("just text\n");
        Assert.Equal("| not a table\njust text\n", output.ToString());
    }

    [Fact]
    public void A_block_whose_first_row_has_scrolled_off_is_left_plain()
    {
        var tall = new StringWriter();
        var stream = new MarkdownStream(tall, 80, 4);
        stream.Write("**one**\ntwo\nthree\nfour\nfive\n");
        stream.Write("\nnext\n");
        stream.Complete();
        Assert.Equal("**one**\ntwo\nthree\nfour\nfive\n\nnext", TerminalScreen.Render(tall.ToString()));
        Assert.DoesNotMatch(CursorUp(), tall.ToString());

        var fits = new StringWriter();
        var roomy = new MarkdownStream(fits, 80, 24);
        roomy.Write("**one**\ntwo\nthree\n");
        roomy.Write("\nnext\n");
        Assert.Equal("one\ntwo\nthree\n\nnext", TerminalScreen.Render(fits.ToString()));
        Assert.Matches(CursorUp(), fits.ToString());
    }

    [Fact]
    public void Code_keeps_its_fences_and_lines_and_is_coloured_by_its_language()
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, 80, 24);
        const string Code = "```csharp\nvar answer = \"forty-two\"; // a comment\n```\n";
        foreach (var piece in Code.Chunk(5))
        {
            stream.Write(new string(piece));
        }

        stream.Complete();
        Assert.Equal(Code.TrimEnd('\n'), TerminalScreen.Render(output.ToString()));
        var drawn = output.ToString()[output.ToString().LastIndexOf("```csharp", StringComparison.Ordinal)..];
        Assert.True(Foreground().Count(drawn) >= 3, $"keyword, string and comment each coloured: {drawn.Replace("\u001b", "\\e", StringComparison.Ordinal)}");
    }

    [Fact]
    public void Code_in_a_language_without_a_grammar_stays_as_written()
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, 80, 24);
        stream.Write("```nosuchlanguage\nx := 1\n```\n");
        stream.Complete();
        Assert.Equal("```nosuchlanguage\nx := 1\n```", TerminalScreen.Render(output.ToString()));
    }

    [Fact]
    public void An_abandoned_answer_keeps_held_text_plain()
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, 80, 24);
        stream.Write("| a | b |\n|---|---|\n| 1 |");
        Assert.Equal("", output.ToString());
        stream.Abandon();
        Assert.Equal("| a | b |\n|---|---|\n| 1 |", output.ToString());
        Assert.False(stream.AtLineStart);
    }

    [Fact]
    public void Text_is_written_as_it_arrives_so_the_terminal_never_waits_for_a_block()
    {
        var output = new StringWriter();
        var stream = new MarkdownStream(output, 80, 24);
        var written = new StringBuilder();
        foreach (var token in SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 80).Tokens)
        {
            stream.Write(token);
            written.Append(token);
            Assert.EndsWith(token, output.ToString(), StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"\u001b\[\d+F")]
    private static partial Regex CursorUp();

    [GeneratedRegex(@"\u001b\[(3[0-7]|9[0-7]|38;[25];[0-9;]+)m")]
    private static partial Regex Foreground();
}
