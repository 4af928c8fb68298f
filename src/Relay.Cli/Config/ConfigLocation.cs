namespace Relay.Cli.Config;

/// <summary>
/// Where relay's settings live: <c>$RELAY_CONFIG</c>, else <c>$XDG_CONFIG_HOME/relay/config.toml</c>, else
/// <c>~/.config/relay/config.toml</c>; the OpenRouter key that <c>relay key set</c> stores sits beside it.
/// </summary>
internal sealed record ConfigLocation(string Path, bool Explicit)
{
    /// <summary>The key file: beside the settings, readable by its owner only.</summary>
    public string KeyPath => System.IO.Path.Combine(Folder, "openrouter.key");

    public string Folder => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>The location the environment gives.</summary>
    public static ConfigLocation FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (NonEmpty(environment("RELAY_CONFIG")) is { } given)
        {
            return new ConfigLocation(System.IO.Path.GetFullPath(given), Explicit: true);
        }

        var home = NonEmpty(environment("XDG_CONFIG_HOME"))
            ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new ConfigLocation(System.IO.Path.Combine(home, "relay", "config.toml"), Explicit: false);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
