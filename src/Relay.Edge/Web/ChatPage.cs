using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.Contracts;

namespace Relay.Edge.Web;

/// <summary>
/// The chat page at <c>GET /</c>: files embedded in this assembly (no build step, no CDN), served with a
/// Content-Security-Policy that lets the page run only its own scripts and styles and talk only to this edge, plus
/// <c>/web/config.json</c> (the default model, whether a token is needed, and the page's wording of the error hints).
/// </summary>
internal static class ChatPage
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string Prefix = "web/";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        endpoints.MapGet("/favicon.ico", (HttpContext context) => Serve(context, "icon.svg")); // for browsers that ask before reading the page
        endpoints.MapGet("/web/config.json", (IOptions<RelayEdgeOptions> options) => Results.Bytes(Config(options.Value), "application/json"));
        endpoints.MapGet("/web/{**file}", (string file, HttpContext context) => Serve(context, file));
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.TryGetValue(file, out var asset))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache"; // revalidated by ETag: a new edge serves its new page at once
        headers.ETag = asset.ETag;
        return context.Request.Headers.IfNoneMatch == asset.ETag ? Results.StatusCode(StatusCodes.Status304NotModified) : Results.Bytes(asset.Body, asset.ContentType);
    }

    private static byte[] Config(RelayEdgeOptions options)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("default_model", options.DefaultModel);
            w.WriteBoolean("tokens_required", options.Tokens.Count > 0);
            w.WriteStartObject("hints");
            foreach (var (code, hint) in ErrorHints.PageTable())
            {
                w.WriteString(code, hint);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ChatPage).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var body = copy.ToArray();
            var path = name[Prefix.Length..].Replace('\\', '/');
            assets[path] = new Asset(body, ContentType(path), "\"" + Convert.ToHexString(SHA256.HashData(body))[..16] + "\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    };

    private sealed record Asset(byte[] Body, string ContentType, string ETag);
}
