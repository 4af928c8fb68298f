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
        return new ConnectionSettings(url is null ? null : Root(url), token, result.GetValue(options.Verbose), result.GetValue(options.Quiet));
    }

    /// <summary>
    /// The edge's root, ending in '/' so that its routes resolve under it (an edge behind a path prefix too). A trailing
    /// <c>/v1</c> is the OpenAI SDKs' base-URL habit: the edge's API lives under its root's /v1, so it is taken off.
    /// </summary>
    internal static Uri Root(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            path = path[..^3];
        }

        return new UriBuilder(url) { Path = path + "/", Query = "", Fragment = "" }.Uri;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
