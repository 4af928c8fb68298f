using System.Text.RegularExpressions;

namespace Relay.Providers;

/// <summary>
/// Cleans any text that leaves the provider (error messages, logs): removes the API key (as a whole token) and bearer tokens,
/// and cuts it to 500 characters. Upstreams echo request headers in error bodies more often than one thinks.
/// </summary>
internal sealed partial class SecretRedactor(string? apiKey)
{
    public const int MaxLength = 500;

    /// <summary>A shorter "key" is no key: cutting it out of every word would only garble messages.</summary>
    public const int MinKeyLength = 8;

    private const string Redacted = "[redacted]";

    public string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (apiKey is { Length: >= MinKeyLength })
        {
            text = RedactKey(text, apiKey);
        }

        text = BearerToken().Replace(text, "Bearer " + Redacted);
        return text.Length <= MaxLength ? text : text[..MaxLength];
    }

    /// <summary>Every occurrence of the key as a whole token: not inside a longer run of key characters.</summary>
    private static string RedactKey(string text, string key)
    {
        var result = new System.Text.StringBuilder(text.Length);
        var from = 0;
        for (var at = text.IndexOf(key, StringComparison.Ordinal); at >= 0; at = text.IndexOf(key, at + 1, StringComparison.Ordinal))
        {
            var end = at + key.Length;
            if (at < from || (at > 0 && IsKeyChar(text[at - 1])) || (end < text.Length && IsKeyChar(text[end])))
            {
                continue;
            }

            result.Append(text, from, at - from).Append(Redacted);
            from = end;
        }

        return from == 0 ? text : result.Append(text, from, text.Length - from).ToString();
    }

    private static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9\-._~+/=]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();
}
