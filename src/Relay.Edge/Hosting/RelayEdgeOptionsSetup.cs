using System.Globalization;
using Microsoft.Extensions.Options;

namespace Relay.Edge;

/// <summary>
/// Reads the documented environment names over the <c>Relay</c> section, and refuses bad values at start with
/// a message that names the setting.
/// </summary>
internal sealed class RelayEdgeOptionsSetup(IConfiguration configuration) : IConfigureOptions<RelayEdgeOptions>, IValidateOptions<RelayEdgeOptions>
{
    private readonly List<string> _errors = [];

    public void Configure(RelayEdgeOptions options)
    {
        configuration.GetSection("Relay").Bind(options);
        options.ApiKey = NonEmpty(configuration["OPENROUTER_API_KEY"]) ?? options.ApiKey;
        options.BaseUrl = NonEmpty(configuration["OPENROUTER_BASE_URL"]) ?? options.BaseUrl;
        options.DefaultModel = NonEmpty(configuration["RELAY_DEFAULT_MODEL"]) ?? options.DefaultModel;
        options.Redis = NonEmpty(configuration["RELAY_REDIS"]) ?? NonEmpty(options.Redis);
        options.InstanceId = NonEmpty(configuration["RELAY_INSTANCE_ID"]) ?? options.InstanceId;
        if (NonEmpty(configuration["RELAY_WEB"]) is { } web)
        {
            if (web.Trim().ToUpperInvariant() is "0" or "FALSE" or "OFF")
            {
                options.Web = false;
            }
            else if (web.Trim().ToUpperInvariant() is "1" or "TRUE" or "ON")
            {
                options.Web = true;
            }
            else
            {
                _errors.Add($"RELAY_WEB must be 1 or 0 (true or false), got '{web}'.");
            }
        }

        if (NonEmpty(configuration["RELAY_TOKENS"]) is { } tokens)
        {
            options.Tokens = tokens.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (NonEmpty(configuration["RELAY_RESUME_GRACE"]) is { } grace)
        {
            if (double.TryParse(grace, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < 86_400)
            {
                options.ResumeGrace = TimeSpan.FromSeconds(seconds);
            }
            else
            {
                _errors.Add($"RELAY_RESUME_GRACE must be a number of seconds from 0 to 86400 (e.g. 30 or 0.5), got '{grace}'.");
            }
        }

        if (NonEmpty(configuration["RELAY_MAX_BUFFERED_BYTES"]) is { } buffered)
        {
            if (long.TryParse(buffered, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
            {
                options.MaxBufferedBytes = bytes;
            }
            else
            {
                _errors.Add($"RELAY_MAX_BUFFERED_BYTES must be a whole number of bytes (e.g. 536870912), got '{buffered}'.");
            }
        }

        if (NonEmpty(configuration["RELAY_UPSTREAM_RETRIES"]) is { } retries)
        {
            if (int.TryParse(retries, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 10)
            {
                options.UpstreamRetries = n;
            }
            else
            {
                _errors.Add($"RELAY_UPSTREAM_RETRIES must be a whole number from 0 to 10, got '{retries}'.");
            }
        }

        if (NonEmpty(configuration["RELAY_UPSTREAM_RETRY_BUDGET"]) is { } budget)
        {
            if (double.TryParse(budget, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds <= 300)
            {
                options.UpstreamRetryBudget = TimeSpan.FromSeconds(seconds);
            }
            else
            {
                _errors.Add($"RELAY_UPSTREAM_RETRY_BUDGET must be a number of seconds from 0 to 300 (e.g. 10 or 2.5), got '{budget}'.");
            }
        }

        if (NonEmpty(configuration["RELAY_UPSTREAM_FALLBACKS"]) is { } fallbacks)
        {
            options.UpstreamFallbacks = fallbacks.ToLowerInvariant();
        }

        if (NonEmpty(configuration["RELAY_MAX_STREAMS"]) is { } max)
        {
            if (int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
            {
                options.MaxStreams = n;
            }
            else
            {
                _errors.Add($"RELAY_MAX_STREAMS must be a whole number of at least 1, got '{max}'.");
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, RelayEdgeOptions options)
    {
        var errors = new List<string>(_errors);
        if (options.BaseUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"OPENROUTER_BASE_URL must be an absolute http(s) URL, got '{url}'.");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultModel))
        {
            errors.Add("RELAY_DEFAULT_MODEL must not be empty.");
        }

        foreach (var proxy in configuration.GetSection("Relay:KnownProxies").Get<string[]>() ?? [])
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                errors.Add($"Relay:KnownProxies must list IP addresses, got '{proxy}'.");
            }
        }

        foreach (var network in configuration.GetSection("Relay:KnownNetworks").Get<string[]>() ?? [])
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                errors.Add($"Relay:KnownNetworks must list CIDR ranges such as 173.245.48.0/20, got '{network}'.");
            }
        }

        if (options.MaxBufferedBytes < 64 * 1024)
        {
            errors.Add("RELAY_MAX_BUFFERED_BYTES (Relay:MaxBufferedBytes) must be at least 65536.");
        }

        if (options.MaxStreamBytes < 64 * 1024)
        {
            errors.Add("Relay:MaxStreamBytes must be at least 65536.");
        }

        if (options.Redis is { } redis)
        {
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(redis);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"RELAY_REDIS must be a Redis address such as 127.0.0.1:6379: {ex.Message}");
            }
        }

        if (string.IsNullOrWhiteSpace(options.InstanceId) || options.InstanceId.Length > 64 || options.InstanceId.Any(char.IsControl))
        {
            errors.Add("RELAY_INSTANCE_ID must be 1 to 64 printable characters.");
        }

        if (options.UpstreamFallbacks is not ("auto" or "upstream" or "edge"))
        {
            errors.Add($"RELAY_UPSTREAM_FALLBACKS must be auto, upstream or edge, got '{options.UpstreamFallbacks}'.");
        }

        if (options.UpstreamRetries is < 0 or > 10)
        {
            errors.Add("Relay:UpstreamRetries must be from 0 to 10.");
        }

        if (options.PingInterval <= TimeSpan.Zero)
        {
            errors.Add("Relay:PingInterval must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
