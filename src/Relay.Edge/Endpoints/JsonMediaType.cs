using Microsoft.Net.Http.Headers;

namespace Relay.Edge;

/// <summary>The one request media type the edge reads: <c>application/json</c>, with no charset or UTF-8 (JSON's only encoding on the wire).</summary>
internal static class JsonMediaType
{
    public static bool Matches(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && HeaderUtilities.RemoveQuotes(type.Charset) is var charset && (charset.Length == 0 || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
