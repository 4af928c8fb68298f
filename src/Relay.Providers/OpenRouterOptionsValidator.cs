using Microsoft.Extensions.Options;

namespace Relay.Providers;

/// <summary>Fails start-up with a message that names the bad setting.</summary>
internal sealed class OpenRouterOptionsValidator : IValidateOptions<OpenRouterOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenRouterOptions options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            failures.Add($"OPENROUTER_BASE_URL must be an absolute http(s) URL, got '{options.BaseUrl}'.");
        }

        if (options.FirstByteTimeout <= TimeSpan.Zero)
        {
            failures.Add("The provider's FirstByteTimeout must be positive.");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("The provider's IdleTimeout must be positive.");
        }

        if (options.MaxEventBytes < 1024)
        {
            failures.Add("The provider's MaxEventBytes must be at least 1024.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
