using System.CommandLine;
using Relay.Cli.Config;

namespace Relay.Cli;

/// <summary>Where the edge is and how to authenticate: flags first, then RELAY_EDGE_URL and RELAY_TOKEN, then the settings file.</summary>
internal sealed record ConnectionSettings(Uri? EdgeUrl, string? Token, bool Verbose, bool Quiet = false)
{
    /// <summary>The OpenRouter key <c>relay key set</c> stored, for an edge hosted in this process when the environment has none.</summary>
    public StoredKey? Key { get; init; }

    public static ConnectionSettings From(ParseResult result, CliOptions options, RelayConfig? config = null, StoredKey? key = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var edge = result.GetValue(options.Edge) ?? NonEmpty(Environment.GetEnvironmentVariable("RELAY_EDGE_URL")) ?? config?.Edge;
        Uri? url = null;
        if (edge is not null && (!Uri.TryCreate(edge, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
        {
            throw new UsageException($"--edge / RELAY_EDGE_URL / the settings' edge must be an http(s) URL, got '{edge}'");
        }

        var token = result.GetValue(options.Token) ?? NonEmpty(Environment.GetEnvironmentVariable("RELAY_TOKEN")) ?? config?.Token;
        return new ConnectionSettings(url is null ? null : Root(url), token, result.GetValue(options.Verbose), result.GetValue(options.Quiet)) { Key = key };
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
