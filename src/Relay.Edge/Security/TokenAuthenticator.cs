using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Relay.Edge;

/// <summary>
/// Checks <c>Authorization: Bearer</c> against RELAY_TOKENS in constant time (hashes compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>), and names the owner of a stream by the token's
/// hash so no token is ever kept or logged in clear.
/// </summary>
internal sealed class TokenAuthenticator
{
    private readonly byte[][] _hashes;

    public TokenAuthenticator(IOptions<RelayEdgeOptions> options)
    {
        _hashes = [.. options.Value.Tokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];
    }

    /// <summary>Whether tokens are required.</summary>
    public bool Enabled => _hashes.Length > 0;

    /// <summary>The owner key of the request, or null when a token is required and missing or wrong.</summary>
    public string? Authenticate(HttpRequest request)
    {
        if (!Enabled)
        {
            return string.Empty; // any bearer token is accepted (SDKs insist on sending one)
        }

        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        var match = false;
        foreach (var known in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(known, hash);
        }

        return match ? Convert.ToHexString(hash) : null;
    }
}
