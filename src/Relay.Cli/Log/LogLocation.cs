namespace Relay.Cli;

/// <summary>
/// Where the conversation log lives, or that there is none: <c>$RELAY_HOME/relay.db</c>, where RELAY_HOME defaults to
/// <c>$XDG_DATA_HOME/relay</c>, else <c>~/.local/share/relay</c>; RELAY_LOG set to 0, false or off records nothing.
/// </summary>
internal sealed record LogLocation(string? Folder)
{
    /// <summary>No log: nothing is recorded and nothing can be continued or attached from it.</summary>
    public static LogLocation Disabled { get; } = new((string?)null);

    public bool Enabled => Folder is not null;

    public string DatabasePath => Path.Combine(Folder ?? throw new InvalidOperationException("The log is disabled."), "relay.db");

    /// <summary>The location the environment gives.</summary>
    public static LogLocation FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("RELAY_LOG")?.Trim().ToUpperInvariant() is "0" or "FALSE" or "OFF")
        {
            return Disabled;
        }

        var home = NonEmpty(environment("RELAY_HOME"));
        if (home is null)
        {
            var data = NonEmpty(environment("XDG_DATA_HOME"))
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            home = Path.Combine(data, "relay");
        }

        return new LogLocation(home);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
