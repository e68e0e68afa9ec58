// The dataset catalog: names, files, folders, canonical URLs, SHA-256 checksums, image shapes and split rules.
// Owns: facts about the datasets (data only, no I/O), including each dataset's paper setup (variant, hidden size, split,
// decoder mean) that the CLI, the paper preset and the F# layer all read. Must not: read, download or transform anything.
namespace Vae.Core.Data;

/// <summary>One acceptable local form of a data file: its name, SHA-256 (lower-case hex) and where to download it.</summary>
public sealed record FileForm(string Name, string Sha256, IReadOnlyList<string> Urls);

/// <summary>A data file of a dataset, in <see cref="Folder"/> under the data root. <see cref="Forms"/> are tried in
/// order: the first present locally is used; when none is, the first form that has URLs is downloaded.</summary>
public sealed record DataFile(string Key, string Folder, IReadOnlyList<FileForm> Forms);

/// <summary>How a dataset's train / valid / test splits are formed.</summary>
public enum SplitKind
{
    /// <summary>The distribution defines all three splits.</summary>
    Given,
    /// <summary>Official train and test; validation = the last <see cref="SplitRule.Valid"/> images of the official training set.</summary>
    LastOfTrain,
    /// <summary>No official split: a permutation from <c>new Rng(Seed, RngStream.Split)</c>; the first images train, then valid, then test.</summary>
    SeededPermutation,
}

/// <summary>The split rule of a dataset; <see cref="Description"/> is the sentence recorded with results.</summary>
public sealed record SplitRule(SplitKind Kind, int Valid, int Test, ulong Seed, string Description);

/// <summary>
/// How the AEVB paper (§5, Appendix C) models a dataset: the data variant the decoder sees, the hidden layer size of
/// encoder and decoder, what happens to the validation split, and whether a Gaussian decoder's mean passes through a
/// sigmoid. The decoder likelihood is not stored: it follows from the variant (Bernoulli for binary pixels, Gaussian for
/// grey levels; Training.DatasetDefaults.LikelihoodFor), so a mismatch is one rule, not a per-dataset fact.
/// </summary>
public sealed record PaperSetup(DataVariant Variant, int Hidden, ValidationSplit Validation, bool SigmoidMean);

/// <summary>A named dataset: image shape, whether its pixels are binary, classes, files, split rule and the paper's setup.</summary>
public sealed record DatasetInfo(
    string Name, string Title, int Rows, int Cols, bool Binary, int Classes,
    IReadOnlyList<DataFile> Files, SplitRule Split, string PixelConvention, PaperSetup Paper)
{
    /// <summary>Pixels per image.</summary>
    public int D => Rows * Cols;
    /// <summary>The file with key <paramref name="key"/>.</summary>
    public DataFile File(string key) => Files.FirstOrDefault(f => f.Key == key)
        ?? throw new ArgumentException($"dataset {Name} has no file '{key}' (it has {string.Join(", ", Files.Select(f => f.Key))})");
}

/// <summary>All datasets the project knows. Checksums are SHA-256 of the exact bytes on disk.</summary>
public static class Catalog
{
    /// <summary>Seed of Frey Face's split permutation: the AEVB paper's arXiv number, 1312.6114.</summary>
    public const ulong FreyFaceSplitSeed = 13126114;

    const string MnistLecun = "http://yann.lecun.com/exdb/mnist/";
    const string MnistMirror = "https://ossci-datasets.s3.amazonaws.com/mnist/"; // torchvision's mirror (lecun.com refuses many scripts)
    const string FashionS3 = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    const string FashionGitHub = "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/";
    const string Marlin = "https://people.cs.umass.edu/~marlin/data/";
    const string Larochelle = "http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/";
    const string Roweis = "https://cs.nyu.edu/~roweis/data/";

    static DataFile One(string key, string folder, string name, string sha, params string[] bases) =>
        new(key, folder, [new FileForm(name, sha, bases.Select(b => b + name).ToArray())]);

    static DataFile[] Idx(string folder, string[] bases, string trainImages, string trainLabels, string testImages, string testLabels) =>
    [
        One("train-images", folder, "train-images-idx3-ubyte.gz", trainImages, bases),
        One("train-labels", folder, "train-labels-idx1-ubyte.gz", trainLabels, bases),
        One("test-images", folder, "t10k-images-idx3-ubyte.gz", testImages, bases),
        One("test-labels", folder, "t10k-labels-idx1-ubyte.gz", testLabels, bases),
    ];

    /// <summary>The local copies are `gzip -9 -n` of the canonical `.amat` (README of the shared data); the canonical
    /// URL serves the plain `.amat`, whose SHA-256 is TensorFlow Datasets' recorded one.</summary>
    static DataFile Amat(string split, string gzSha, string plainSha) =>
        new(split, "binarized_mnist",
        [
            new FileForm($"binarized_mnist_{split}.amat.gz", gzSha, []),
            new FileForm($"binarized_mnist_{split}.amat", plainSha, [$"{Larochelle}binarized_mnist_{split}.amat"]),
        ]);

    // Paper setups. MNIST-like grey data: Bernoulli decoder on dynamically binarized pixels (the paper does not say how
    // grey levels became binary; a fresh draw per batch is a proper likelihood and common practice), 500 hidden units,
    // validation merged into training (the paper's 60,000 MNIST training images). Binary data: their own pixels.
    // Frey Face: Gaussian decoder with sigmoid mean, 200 hidden units (Appendix C.2, §5), on its 8-bit grey levels
    // dequantized to (v + u) / 256 (unstated in the paper; raw levels let the density grow without bound on levels many
    // frames share exactly, see DataVariant.Dequantized); its valid frames are merged into training too (no split stated).
    static readonly PaperSetup GreyAsBinary = new(DataVariant.DynamicBinarized, 500, ValidationSplit.MergeIntoTrain, SigmoidMean: true);
    static readonly PaperSetup OwnBinary = new(DataVariant.StaticBinarized, 500, ValidationSplit.MergeIntoTrain, SigmoidMean: true);
    static readonly PaperSetup FreyDequantized = new(DataVariant.Dequantized, 200, ValidationSplit.MergeIntoTrain, SigmoidMean: true);

    static readonly SplitRule MnistSplit = new(SplitKind.LastOfTrain, 10_000, 10_000, 0,
        "train = first 50,000 of the official 60,000 training images, valid = their last 10,000, test = the official 10,000");

    /// <summary>Every dataset, by name.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } =
    [
        new("mnist", "MNIST (LeCun et al.)", 28, 28, false, 10,
            Idx("mnist", [MnistLecun, MnistMirror],
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
            MnistSplit, "grey levels value/255 in [0, 1], 1 = ink; labels 0-9", GreyAsBinary),
        new("fashion-mnist", "Fashion-MNIST (Zalando)", 28, 28, false, 10,
            Idx("fashion_mnist", [FashionS3, FashionGitHub],
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
            MnistSplit, "grey levels value/255 in [0, 1], 1 = brightest; labels 0-9", GreyAsBinary),
        new("binarized-mnist", "Statically binarized MNIST (Larochelle & Murray 2011)", 28, 28, true, 0,
            [
                Amat("train", "af247bd6075cf9adc4715459dcd5f13eaa99a2c92d8d81379a05da94770b6c0e", "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d"),
                Amat("valid", "533b71bc0198f4d73c54ae5fe6c96fc08dc3cf1b3fae24c5521dbc0452507e38", "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2"),
                Amat("test", "32a3c54d03504632bf9f131b4a148c7567aa6fc87da017049b044bdc14c2a0f2", "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c"),
            ],
            new(SplitKind.Given, 10_000, 10_000, 0, "the distributed 50,000 / 10,000 / 10,000 split"),
            "binary {0, 1}, 1 = ink; no labels", OwnBinary),
        new("caltech101-28", "Caltech 101 Silhouettes 28x28, split1 (Marlin et al.)", 28, 28, true, 101,
            [One("split1", "caltech101_silhouettes", "caltech101_silhouettes_28_split1.mat",
                "eb6735e8d84b1850fabc5590124aab1755e90c9fd28123585324398405e1e42a", Marlin)],
            new(SplitKind.Given, 2264, 2307, 0, "the distributed split1: 4,100 / 2,264 / 2,307"),
            "binary {0, 1} with 1 = object (the file's 1 = background is flipped: x = 1 - file); " +
            "file rows are column-major (Fortran) images, transposed to upright row-major; labels = class id - 1 (0..100)", OwnBinary),
        new("caltech101-16", "Caltech 101 Silhouettes 16x16, split1 (Marlin et al.)", 16, 16, true, 101,
            [One("split1", "caltech101_silhouettes", "caltech101_silhouettes_16_split1.mat",
                "c800456b73ba7bfc0e06a5acb65e1c29bf6f5f78818d48c277153da91eaf5949", Marlin)],
            new(SplitKind.Given, 2257, 2302, 0, "the distributed split1: 4,082 / 2,257 / 2,302"),
            "binary {0, 1} with 1 = object (the file's 1 = background is flipped: x = 1 - file); " +
            "file rows are column-major (Fortran) images, transposed to upright row-major; labels = class id - 1 (0..100)", OwnBinary),
        new("frey-face", "Frey Face (Brendan Frey, via Sam Roweis)", 28, 20, false, 0,
            [One("ff", "frey_face", "frey_rawface.mat",
                "265a83a23adb081755cd3de375509828e690324d1d60f076b8ecebc840d59c64", Roweis)],
            new(SplitKind.SeededPermutation, 200, 200, FreyFaceSplitSeed,
                $"no official split: frames permuted by Rng(seed {FreyFaceSplitSeed}, stream Split); first 1,565 train, next 200 valid, last 200 test"),
            "grey levels value/255 in [0, 1]; variable ff (560 x 1965), one image per column, each column row-major 28 x 20 upright; no labels", FreyDequantized),
    ];

    /// <summary>The dataset called <paramref name="name"/> (case-insensitive); an unknown name lists the known ones.</summary>
    public static DatasetInfo Get(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown dataset '{name}': expected one of {string.Join(", ", All.Select(d => d.Name))}");
}
