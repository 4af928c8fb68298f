using System.Text.RegularExpressions;

namespace Relay.Providers;

/// <summary>
/// Cleans any text that leaves the provider (error messages, logs): removes the API key and bearer tokens,
/// and cuts it to 500 characters. Upstreams echo request headers in error bodies more often than one thinks.
/// </summary>
internal sealed partial class SecretRedactor(string? apiKey)
{
    public const int MaxLength = 500;

    private const string Redacted = "[redacted]";

    public string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            text = text.Replace(apiKey, Redacted, StringComparison.Ordinal);
        }

        text = BearerToken().Replace(text, "Bearer " + Redacted);
        return text.Length <= MaxLength ? text : text[..MaxLength];
    }

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9\-._~+/=]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();
}
