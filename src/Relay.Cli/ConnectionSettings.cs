using System.CommandLine;

namespace Relay.Cli;

/// <summary>Where the edge is and how to authenticate: flags first, then RELAY_EDGE_URL and RELAY_TOKEN.</summary>
internal sealed record ConnectionSettings(Uri? EdgeUrl, string? Token, bool Verbose, bool Quiet = false)
{
    public static ConnectionSettings From(ParseResult result, CliOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var edge = result.GetValue(options.Edge) ?? NonEmpty(Environment.GetEnvironmentVariable("RELAY_EDGE_URL"));
        Uri? url = null;
        if (edge is not null && (!Uri.TryCreate(edge, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
        {
            throw new UsageException($"--edge / RELAY_EDGE_URL must be an http(s) URL, got '{edge}'");
        }

        var token = result.GetValue(options.Token) ?? NonEmpty(Environment.GetEnvironmentVariable("RELAY_TOKEN"));
        return new ConnectionSettings(url, token, result.GetValue(options.Verbose), result.GetValue(options.Quiet));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
