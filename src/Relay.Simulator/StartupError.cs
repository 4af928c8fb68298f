using Microsoft.Extensions.Options;

namespace Relay.Simulator;

/// <summary>
/// Turns what goes wrong at start-up because of the user's settings (an invalid option, a value that does not
/// convert, an address in use) into one line that names the setting or the address, for the edge, the simulator
/// and the CLI to print instead of a stack trace. Anything else is a defect and is left to crash loudly.
/// </summary>
public static class StartupError
{
    /// <summary>The one-line message, or null when <paramref name="exception"/> is not a configuration or address error.</summary>
    public static string? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            OptionsValidationException e => "invalid configuration: " + string.Join("; ", e.Failures),
            AggregateException { InnerExceptions.Count: 1 } e => Describe(e.InnerException!),
            IOException e when e.Message.Contains("bind", StringComparison.OrdinalIgnoreCase) => e.Message,
            InvalidOperationException e when e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
                "invalid configuration: " + e.Message.Split(". ")[0],
            InvalidOperationException { InnerException: { } inner } when Describe(inner) is { } m => m,
            FormatException e => "invalid configuration: " + e.Message,
            _ => null,
        };
    }
}
