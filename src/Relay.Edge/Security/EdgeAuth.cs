using Relay.Contracts;

namespace Relay.Edge;

/// <summary>The <c>/v1</c> route filter: 401 UNAUTHORIZED without a valid token; otherwise the owner key for the request.</summary>
internal sealed class EdgeAuth(TokenAuthenticator tokens) : IEndpointFilter
{
    public const string OwnerKey = "relay.owner";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var owner = tokens.Authenticate(context.HttpContext.Request);
        if (owner is null)
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ErrorResults.For(StreamErrorCode.Unauthorized);
        }

        context.HttpContext.Items[OwnerKey] = owner;
        return await next(context);
    }
}
