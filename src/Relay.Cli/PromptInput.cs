namespace Relay.Cli;

/// <summary>Builds the user message of <c>relay ask</c> from the argument and redirected stdin.</summary>
internal static class PromptInput
{
    /// <summary>
    /// stdin is read only when redirected; with both, the message is <c>&lt;stdin&gt;\n\n&lt;prompt&gt;</c>
    /// (<c>git diff | relay ask "review this"</c>). Null when there is neither.
    /// </summary>
    public static async Task<string?> ReadAsync(CliConsole console, string? prompt, CancellationToken cancellationToken)
    {
        string? piped = null;
        if (console.InputRedirected)
        {
            piped = (await console.In.ReadToEndAsync(cancellationToken)).TrimEnd('\r', '\n');
            if (piped.Length == 0)
            {
                piped = null;
            }
        }

        return (piped, string.IsNullOrWhiteSpace(prompt) ? null : prompt) switch
        {
            (null, null) => null,
            ({ } p, null) => p,
            (null, { } a) => a,
            ({ } p, { } a) => p + "\n\n" + a,
        };
    }
}
