using Tomlyn.Model;

namespace Relay.Cli.Config;

/// <summary>
/// relay's settings file (<see cref="ConfigLocation"/>): defaults for ask, chat and attach (<c>model</c>, <c>edge</c>,
/// <c>token</c>, <c>system</c>, <c>show_reasoning</c>, <c>raw</c>), model aliases (<c>[aliases]</c>) and templates
/// (<c>[templates.NAME]</c> with <c>system</c> and <c>model</c>). A flag wins over the environment, which wins over this
/// file, which wins over the built-in default. An unknown setting or a value of the wrong type stops relay with one line
/// naming it (exit 2); a token in a file others can read is not used (warned), as ssh does with keys.
/// </summary>
internal sealed record RelayConfig
{
    public static RelayConfig Empty { get; } = new();

    public string? Model { get; init; }

    public string? Edge { get; init; }

    public string? Token { get; init; }

    public string? System { get; init; }

    public bool ShowReasoning { get; init; }

    /// <summary>Answers exactly as written on a terminal too, as <c>--raw</c>.</summary>
    public bool Raw { get; init; }

    public IReadOnlyDictionary<string, string> Aliases { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, ConfigTemplate> Templates { get; init; } = new Dictionary<string, ConfigTemplate>();

    /// <summary>Reads the settings at <paramref name="location"/>; <see cref="Empty"/> when there is no file.</summary>
    /// <exception cref="UsageException">The file is not valid, or names a setting relay does not know.</exception>
    public static RelayConfig Load(ConfigLocation location, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(warnings);
        var table = ConfigFile.Read(location);
        var where = location.Path;
        var config = new RelayConfig();
        foreach (var (key, value) in table)
        {
            config = key switch
            {
                "model" => config with { Model = Text(where, key, value) },
                "edge" => config with { Edge = Text(where, key, value) },
                "token" => config with { Token = Text(where, key, value) },
                "system" => config with { System = Text(where, key, value) },
                "show_reasoning" => config with { ShowReasoning = value as bool? ?? throw Invalid(where, key, "true or false") },
                "raw" => config with { Raw = value as bool? ?? throw Invalid(where, key, "true or false") },
                "aliases" => config with { Aliases = Table(where, key, value).ToDictionary(a => a.Key, a => Text(where, $"aliases.{a.Key}", a.Value), StringComparer.Ordinal) },
                "templates" => config with { Templates = Table(where, key, value).ToDictionary(t => t.Key, t => Template(where, t.Key, t.Value), StringComparer.Ordinal) },
                _ => throw new UsageException($"{where}: unknown setting '{key}' (relay knows model, edge, token, system, show_reasoning, raw, [aliases] and [templates.NAME])"),
            };
        }

        if (config.Token is not null && ConfigFile.OthersCanRead(where))
        {
            warnings.WriteLine($"relay: warning: {where} can be read by others, so its token is not used (chmod 600 {where})");
            config = config with { Token = null };
        }

        return config;
    }

    /// <summary>The model a name stands for: an alias's model, else the name itself.</summary>
    public string? ResolveModel(string? name) => name is not null && Aliases.TryGetValue(name, out var model) ? model : name;

    private static ConfigTemplate Template(string where, string name, object? value)
    {
        string? system = null, model = null;
        foreach (var (key, item) in Table(where, $"templates.{name}", value))
        {
            (system, model) = key switch
            {
                "system" => (Text(where, $"templates.{name}.system", item), model),
                "model" => (system, Text(where, $"templates.{name}.model", item)),
                _ => throw new UsageException($"{where}: unknown setting 'templates.{name}.{key}' (a template has system and model)"),
            };
        }

        return new ConfigTemplate(system, model);
    }

    private static string Text(string where, string key, object? value) => value as string ?? throw Invalid(where, key, "a string");

    private static TomlTable Table(string where, string key, object? value) => value as TomlTable ?? throw Invalid(where, key, "a table");

    private static UsageException Invalid(string where, string key, string expected) => new($"{where}: '{key}' must be {expected}");
}
