using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Spectre.Console;
using Spectre.Console.Rendering;
using MarkdownTable = Markdig.Extensions.Tables.Table;
using MarkdownTableCell = Markdig.Extensions.Tables.TableCell;
using MarkdownTableRow = Markdig.Extensions.Tables.TableRow;
using SpectreTable = Spectre.Console.Table;

namespace Relay.Cli.Markdown;

/// <summary>
/// Draws Markdown blocks for a terminal <see cref="Width"/> columns wide: Markdig parses, Spectre.Console wraps text and
/// tables by cell width (wide characters take two) and writes the styles. Headings are bold, emphasis bold or italic,
/// inline code and links coloured (a link's address follows its text), lists get bullets or numbers and quotes a bar;
/// code keeps its fences, dimmed, with its lines coloured by <see cref="CodeHighlighter"/>.
/// </summary>
internal sealed class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras(Markdig.Extensions.EmphasisExtras.EmphasisExtraOptions.Strikethrough).Build();
    private static readonly Style Dim = new(decoration: Decoration.Dim);
    private static readonly Style Code = new(foreground: Color.Teal);
    private static readonly Style Link = new(foreground: Color.Blue, decoration: Decoration.Underline);

    private readonly System.Text.StringBuilder _buffer = new();
    private readonly IAnsiConsole _console;

    public MarkdownRenderer(int width)
    {
        Width = Math.Max(1, width);
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystem(),
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(new StringWriter(_buffer) { NewLine = "\n" }),
        });
        _console.Profile.Width = Width;
    }

    public int Width { get; }

    /// <summary>Parses Markdown as the renderer reads it (CommonMark, pipe tables, strikethrough).</summary>
    public static MarkdownDocument Parse(string text) => Markdig.Markdown.Parse(text, Pipeline);

    /// <summary>The block's lines, styled, none wider than <see cref="Width"/>.</summary>
    /// <param name="block">A block of a document <see cref="Parse"/> made from <paramref name="source"/>.</param>
    /// <param name="source">The Markdown the block came from.</param>
    public List<string> Render(Block block, string source) => Lines(block, source, Width);

    private List<string> Lines(Block block, string source, int width) => block switch
    {
        HeadingBlock heading => Draw(Inlines(heading.Inline, new Style(
            foreground: Color.Teal,
            decoration: heading.Level == 1 ? Decoration.Bold | Decoration.Underline : heading.Level == 2 ? Decoration.Bold : Decoration.Bold | Decoration.Italic)), width),
        ParagraphBlock paragraph => Draw(Inlines(paragraph.Inline, Style.Plain), width),
        FencedCodeBlock fenced => FencedCode(fenced, source, width),
        CodeBlock code => [.. CodeLines(code).Select(l => Styled("    " + l, Code))],
        QuoteBlock quote => [.. Children(quote, source, width - 2, blankBetween: true).Select(l => Styled("│ ", Dim) + l)],
        ListBlock list => List(list, source, width),
        ThematicBreakBlock => [Styled(new string('─', width), Dim)],
        MarkdownTable table => Draw(Table(table), width),
        _ => [.. source.Substring(block.Span.Start, Math.Max(0, block.Span.Length)).TrimEnd('\n').Split('\n')],
    };

    private List<string> List(ListBlock list, string source, int width)
    {
        var lines = new List<string>();
        var number = list.IsOrdered && int.TryParse(list.OrderedStart, out var start) ? start : 1;
        foreach (var item in list.OfType<ListItemBlock>())
        {
            var marker = list.IsOrdered ? $"{number++}{list.OrderedDelimiter} " : "• ";
            var inner = Children(item, source, width - marker.Length, blankBetween: list.IsLoose);
            for (var i = 0; i < inner.Count; i++)
            {
                lines.Add((i == 0 ? Styled(marker, Style.Plain.Decoration(Decoration.Bold)) : new string(' ', marker.Length)) + inner[i]);
            }

            if (list.IsLoose && item != list.LastChild)
            {
                lines.Add("");
            }
        }

        return lines;
    }

    private List<string> Children(ContainerBlock container, string source, int width, bool blankBetween)
    {
        var lines = new List<string>();
        foreach (var child in container)
        {
            if (blankBetween && lines.Count > 0)
            {
                lines.Add("");
            }

            lines.AddRange(Lines(child, source, Math.Max(1, width)));
        }

        return lines;
    }

    private List<string> FencedCode(FencedCodeBlock fenced, string source, int width)
    {
        var fence = new string(fenced.FencedChar, fenced.OpeningFencedCharCount);
        var lines = new List<string> { Styled(fence + fenced.Info + (string.IsNullOrEmpty(fenced.Arguments) ? "" : " " + fenced.Arguments), Dim) };
        var code = CodeLines(fenced);
        if (code.Count > 0 && CodeHighlighter.Shared?.Highlight(fenced.Info, code) is { } styled)
        {
            foreach (var line in styled)
            {
                lines.AddRange(Draw(line, width));
            }
        }
        else
        {
            lines.AddRange(code);
        }

        if (fenced.ClosingFencedCharCount > 0)
        {
            lines.Add(Styled(new string(fenced.FencedChar, fenced.ClosingFencedCharCount), Dim));
        }

        return lines;
    }

    private static List<string> CodeLines(LeafBlock code)
    {
        var lines = new List<string>(code.Lines.Count);
        for (var i = 0; i < code.Lines.Count; i++)
        {
            lines.Add(code.Lines.Lines[i].Slice.ToString());
        }

        return lines;
    }

    private static SpectreTable Table(MarkdownTable table)
    {
        var drawn = new SpectreTable { Border = TableBorder.Rounded };
        var rows = table.OfType<MarkdownTableRow>().ToList();
        var columns = rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        var header = rows.FirstOrDefault(r => r.IsHeader);
        for (var c = 0; c < columns; c++)
        {
            var title = header is not null && c < header.Count ? Cell((MarkdownTableCell)header[c], Style.Plain.Decoration(Decoration.Bold)) : new Paragraph("");
            drawn.AddColumn(new TableColumn(title)
            {
                Alignment = c < table.ColumnDefinitions.Count ? table.ColumnDefinitions[c].Alignment switch
                {
                    TableColumnAlign.Center => Justify.Center,
                    TableColumnAlign.Right => Justify.Right,
                    _ => Justify.Left,
                } : Justify.Left,
            });
        }

        foreach (var row in rows.Where(r => !r.IsHeader))
        {
            drawn.AddRow([.. Enumerable.Range(0, columns).Select(c => c < row.Count ? Cell((MarkdownTableCell)row[c], Style.Plain) : (IRenderable)new Paragraph(""))]);
        }

        return drawn;
    }

    private static Paragraph Cell(MarkdownTableCell cell, Style style)
    {
        var paragraph = new Paragraph();
        foreach (var block in cell.OfType<ParagraphBlock>())
        {
            Append(paragraph, block.Inline, style);
        }

        return paragraph;
    }

    private static Paragraph Inlines(ContainerInline? inlines, Style style)
    {
        var paragraph = new Paragraph();
        Append(paragraph, inlines, style);
        return paragraph;
    }

    private static void Append(Paragraph paragraph, ContainerInline? container, Style style)
    {
        for (var inline = container?.FirstChild; inline is not null; inline = inline.NextSibling)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    Text(paragraph, literal.Content.ToString(), style);
                    break;
                case CodeInline code:
                    Text(paragraph, code.Content, style.Combine(Code));
                    break;
                case EmphasisInline emphasis:
                    Append(paragraph, emphasis, style.Combine(Style.Plain.Decoration(
                        emphasis.DelimiterChar == '~' ? Decoration.Strikethrough : emphasis.DelimiterCount >= 2 ? Decoration.Bold : Decoration.Italic)));
                    break;
                case LinkInline link:
                    Append(paragraph, link, style.Combine(link.IsImage ? Style.Plain.Decoration(Decoration.Italic) : Link));
                    if (!string.IsNullOrEmpty(link.Url) && link.Url != PlainText(link))
                    {
                        Text(paragraph, $" ({link.Url})", style.Combine(Dim));
                    }

                    break;
                case AutolinkInline autolink:
                    Text(paragraph, autolink.Url, style.Combine(Link));
                    break;
                case LineBreakInline:
                    Text(paragraph, "\n", style);
                    break;
                case HtmlEntityInline entity:
                    Text(paragraph, entity.Transcoded.ToString(), style);
                    break;
                case HtmlInline html:
                    Text(paragraph, html.Tag, style);
                    break;
                case ContainerInline inner:
                    Append(paragraph, inner, style);
                    break;
                default:
                    Text(paragraph, inline.ToString() ?? "", style);
                    break;
            }
        }
    }

    private static string PlainText(ContainerInline container) =>
        string.Concat(container.Descendants<LiteralInline>().Select(l => l.Content.ToString()));

    private static void Text(Paragraph paragraph, string text, Style style)
    {
        if (text.Length > 0)
        {
            paragraph.Append(text, style);
        }
    }

    /// <summary>
    /// Colours as the terminal says it takes them (COLORTERM, TERM). Spectre's own detection answers "none" for a writer
    /// that is not the console, and stdout was already found to be a terminal that takes ANSI.
    /// </summary>
    private static ColorSystemSupport ColorSystem() =>
        Environment.GetEnvironmentVariable("COLORTERM") is "truecolor" or "24bit" ? ColorSystemSupport.TrueColor
        : Environment.GetEnvironmentVariable("TERM")?.Contains("256color", StringComparison.Ordinal) == true ? ColorSystemSupport.EightBit
        : ColorSystemSupport.Standard;

    private string Styled(string text, Style style)
    {
        _console.Write(new Text(text, style));
        return Take();
    }

    private List<string> Draw(IRenderable renderable, int width)
    {
        _console.Profile.Width = Math.Max(1, width);
        _console.Write(renderable);
        _console.Profile.Width = Width;
        var text = Take().TrimEnd('\n');
        return [.. text.Split('\n')];
    }

    private string Take()
    {
        var text = _buffer.ToString().ReplaceLineEndings("\n");
        _buffer.Clear();
        return text;
    }
}
