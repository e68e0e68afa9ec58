// `vae data list | verify | load`: the dataset catalog from the command line. Parses arguments, calls Vae.Core.Data.
// Must not: parse files or hold dataset logic (that lives in core/Vae.Core/Data).
using System.Diagnostics;
using Vae.Core.Data;

static class DataCommand
{
    const string Usage =
        "usage: vae data list\n" +
        "       vae data verify [NAME...] [--data DIR]\n" +
        "       vae data load NAME... [--data DIR] [--variant grey|dynamic|fixed|static] [--seed S] [--merge-valid] [--offline]\n" +
        "data root: --data DIR > $VAE_DATA > data/ in the repository";

    public static int Run(string[] args)
    {
        string sub = args.Length > 0 ? args[0] : "help";
        var names = new List<string>();
        string? dataDir = null; string? variant = null; ulong seed = 1; bool merge = false, offline = false;
        for (int i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--data": dataDir = Value(); break;
                case "--variant": variant = Value(); break;
                case "--seed": seed = ulong.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--merge-valid": merge = true; break;
                case "--offline": offline = true; break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"unknown option {args[i]}\n{Usage}"); return 2; }
                    names.Add(args[i]); break;
            }
        }
        var root = DataRoot.Resolve(dataDir);
        try
        {
            switch (sub)
            {
                case "list": return List();
                case "verify": return Verify(root, names);
                case "load": return Load(root, names, variant, seed, merge, offline);
                default: Console.WriteLine(Usage); return sub == "help" ? 0 : 2;
            }
        }
        catch (Exception e) when (e is DataFormatException or DataUnavailableException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    static int List()
    {
        foreach (var d in Catalog.All)
        {
            Console.WriteLine($"{d.Name,-16} {d.Rows}x{d.Cols} {(d.Binary ? "binary" : "grey")}  {d.Title}");
            Console.WriteLine($"{"",-16} split: {d.Split.Description}");
            foreach (var f in d.Files)
                Console.WriteLine($"{"",-16} {f.Folder}/{string.Join(" | ", f.Forms.Select(x => x.Name))}");
        }
        return 0;
    }

    static int Verify(DataRoot root, List<string> names)
    {
        Console.WriteLine($"data root: {root.Path} ({root.Source})");
        int bad = 0;
        foreach (var d in names.Count == 0 ? Catalog.All : names.Select(Catalog.Get).ToList())
            foreach (var file in d.Files)
            {
                var forms = new DataStore(root, fetcher: null).Verify(d with { Files = [file] });
                var present = forms.Where(r => r.Present).ToList();
                if (present.Count == 0) { Console.WriteLine($"MISSING  {forms[0].Path}"); bad++; continue; }
                foreach (var r in present)
                {
                    Console.WriteLine($"{(r.Ok ? "OK      " : "MISMATCH")} {r.Path}" + (r.Ok ? "" : $" expected {r.Expected}, found {r.Found}"));
                    if (!r.Ok) bad++;
                }
            }
        return bad == 0 ? 0 : 1;
    }

    static int Load(DataRoot root, List<string> names, string? variant, ulong seed, bool merge, bool offline)
    {
        if (names.Count == 0) { Console.WriteLine(Usage); return 2; }
        var store = offline ? new DataStore(root, fetcher: null) : new DataStore(root);
        foreach (string name in names)
        {
            var info = Catalog.Get(name);
            var sw = Stopwatch.StartNew();
            var ds = Datasets.Load(info, store, merge ? ValidationSplit.MergeIntoTrain : ValidationSplit.HoldOut);
            double load = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"{ds.Describe()}");
            Console.WriteLine($"  loaded in {load:F3} s (read + SHA-256 + decode), train range [{ds.Train.Range().Min}, {ds.Train.Range().Max}], train mean {ds.Train.Mean():F4}");
            if (variant is not null)
            {
                sw.Restart();
                var prepared = DataVariants.Prepare(ds, DataVariants.Parse(variant), seed);
                Console.WriteLine($"  variant {DataVariants.Label(prepared.Variant)} prepared in {sw.Elapsed.TotalSeconds:F3} s: {prepared.Describe()}");
            }
        }
        return 0;
    }
}
