namespace Relay.Cli.Config;

/// <summary>
/// The OpenRouter key <c>relay key set</c> stored for the edge relay runs itself (ask and chat without --edge, serve):
/// a file beside the settings, readable by its owner only. Used only when <c>OPENROUTER_API_KEY</c> is not set; never
/// printed, logged or recorded.
/// </summary>
internal sealed class StoredKey
{
    private readonly string _value;

    private StoredKey(string value) => _value = value;

    /// <summary>The stored key, or null when there is none (or others can read its file: then it is not used, warned).</summary>
    public static StoredKey? Read(ConfigLocation location, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(warnings);
        if (!File.Exists(location.KeyPath))
        {
            return null;
        }

        if (ConfigFile.OthersCanRead(location.KeyPath))
        {
            warnings.WriteLine($"relay: warning: {location.KeyPath} can be read by others, so the key in it is not used (chmod 600 {location.KeyPath})");
            return null;
        }

        var value = File.ReadAllText(location.KeyPath).Trim();
        return value.Length == 0 ? null : new StoredKey(value);
    }

    /// <summary>The key itself, for the in-process edge's settings only.</summary>
    public string Reveal() => _value;

    /// <summary>Never the key.</summary>
    public override string ToString() => "(the key stored by relay key set)";
}
