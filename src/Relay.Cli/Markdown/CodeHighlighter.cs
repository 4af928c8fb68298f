using System.Collections.Concurrent;
using System.Globalization;
using Spectre.Console;
using TextMateSharp.Grammars;
using TextMateSharp.Registry;
using TextMateSharp.Themes;
using TmFontStyle = TextMateSharp.Themes.FontStyle;

namespace Relay.Cli.Markdown;

/// <summary>
/// Colours code by its fence's language with TextMate grammars (VS Code's Dark+ theme). Loaded on the first code block
/// only: the grammars, the theme and the native regex library (libonigwrap, shipped beside relay) cost nothing to an
/// answer without code. A language it does not know, or a library that will not load, leaves the code plain.
/// </summary>
internal sealed class CodeHighlighter
{
    private static readonly Lazy<CodeHighlighter?> Instance = new(Create);

    private readonly RegistryOptions _options;
    private readonly Registry _registry;
    private readonly Theme _theme;
    private readonly ConcurrentDictionary<string, IGrammar?> _grammars = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<int, Color?> _colors = new();

    private CodeHighlighter()
    {
        _options = new RegistryOptions(ThemeName.DarkPlus);
        _registry = new Registry(_options);
        _theme = _registry.GetTheme();
    }

    /// <summary>The highlighter, or null when it could not load.</summary>
    public static CodeHighlighter? Shared => Instance.Value;

    /// <summary>One styled paragraph per line, or null for a language without a grammar (or a failure to load one).</summary>
    /// <param name="language">The fence's info word, e.g. <c>csharp</c>, <c>py</c> or <c>bash</c>.</param>
    /// <param name="lines">The code, one line each.</param>
    public IReadOnlyList<Paragraph>? Highlight(string? language, IReadOnlyList<string> lines)
    {
        if (string.IsNullOrWhiteSpace(language) || _grammars.GetOrAdd(language, Find) is not { } grammar)
        {
            return null;
        }

        var styled = new List<Paragraph>(lines.Count);
        IStateStack? state = null;
        foreach (var line in lines)
        {
            var paragraph = new Paragraph();
            var result = grammar.TokenizeLine(line, state, TimeSpan.FromSeconds(1));
            state = result.RuleStack;
            foreach (var token in result.Tokens)
            {
                var start = Math.Min(token.StartIndex, line.Length);
                var end = Math.Min(token.EndIndex, line.Length);
                if (end > start)
                {
                    paragraph.Append(line[start..end], StyleOf(token.Scopes));
                }
            }

            styled.Add(paragraph);
        }

        return styled;
    }

    private static CodeHighlighter? Create()
    {
        try
        {
            return new CodeHighlighter();
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    private IGrammar? Find(string language)
    {
        var id = language.Trim().ToLowerInvariant();
        var match = _options.GetAvailableLanguages().FirstOrDefault(l =>
            string.Equals(l.Id, id, StringComparison.OrdinalIgnoreCase)
            || l.Aliases?.Contains(id, StringComparer.OrdinalIgnoreCase) == true
            || l.Extensions?.Contains("." + id, StringComparer.OrdinalIgnoreCase) == true);
        try
        {
            return match is null ? null : _registry.LoadGrammar(_options.GetScopeByLanguageId(match.Id));
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    private Style StyleOf(IList<string> scopes)
    {
        var foreground = 0;
        var fontStyle = TmFontStyle.NotSet;
        foreach (var rule in _theme.Match(scopes))
        {
            if (foreground == 0 && rule.foreground > 0)
            {
                foreground = rule.foreground;
            }

            if (fontStyle == TmFontStyle.NotSet && rule.fontStyle > 0)
            {
                fontStyle = rule.fontStyle;
            }
        }

        var decoration = Decoration.None;
        if ((fontStyle & TmFontStyle.Italic) != 0 && fontStyle != TmFontStyle.NotSet)
        {
            decoration |= Decoration.Italic;
        }

        if ((fontStyle & TmFontStyle.Bold) != 0 && fontStyle != TmFontStyle.NotSet)
        {
            decoration |= Decoration.Bold;
        }

        return new Style(foreground: foreground > 0 ? _colors.GetOrAdd(foreground, ColorOf) : null, decoration: decoration);
    }

    private Color? ColorOf(int id) =>
        _theme.GetColor(id) is ['#', .. var hex] && hex.Length >= 6 && int.TryParse(hex.AsSpan(0, 6), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var rgb)
            ? new Color((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb)
            : null;
}
