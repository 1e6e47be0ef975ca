/**
 * whisper.cpp ggml models on Hugging Face (ggerganov/whisper.cpp, branch main) with their SHA-1.
 * SHA-1s: whisper.cpp's models/README.md table for the f16 models up to large-v1; the quantized,
 * large-v2/v3 and turbo ones as published by Hugging Face for those files (recorded in several
 * public model catalogs). A name missing here can still be downloaded: its checksum is computed
 * and printed instead of checked.
 */
export const HF_BASE_URL = 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';

export interface CatalogEntry {
  /** approximate size in MB, for the progress bar before the server answers */
  sizeMb: number;
  sha1?: string;
}

export const MODELS: Record<string, CatalogEntry> = {
  tiny: { sizeMb: 75, sha1: 'bd577a113a864445d4c299885e0cb97d4ba92b5f' },
  'tiny-q5_1': { sizeMb: 31, sha1: '2827a03e495b1ed3048ef28a6a4620537db4ee51' },
  'tiny-q8_0': { sizeMb: 42, sha1: '19e8118f6652a650569f5a949d962154e01571d9' },
  'tiny.en': { sizeMb: 75, sha1: 'c78c86eb1a8faa21b369bcd33207cc90d64ae9df' },
  base: { sizeMb: 142, sha1: '465707469ff3a37a2b9b8d8f89f2f99de7299dac' },
  'base-q5_1': { sizeMb: 57, sha1: 'a3733eda680ef76256db5fc5dd9de8629e62c5e7' },
  'base-q8_0': { sizeMb: 78, sha1: '7bb89bb49ed6955013b166f1b6a6c04584a20fbe' },
  'base.en': { sizeMb: 142, sha1: '137c40403d78fd54d454da0f9bd998f78703390c' },
  small: { sizeMb: 466, sha1: '55356645c2b361a969dfd0ef2c5a50d530afd8d5' },
  'small-q5_1': { sizeMb: 181, sha1: '6fe57ddcfdd1c6b07cdcc73aaf620810ce5fc771' },
  'small-q8_0': { sizeMb: 252, sha1: 'bcad8a2083f4e53d648d586b7dbc0cd673d8afad' },
  'small.en': { sizeMb: 466, sha1: 'db8a495a91d927739e50b3fc1cc4c6b8f6c2d022' },
  medium: { sizeMb: 1500, sha1: 'fd9727b6e1217c2f614f9b698455c4ffd82463b4' },
  'medium-q5_0': { sizeMb: 514, sha1: '7718d4c1ec62ca96998f058114db98236937490e' },
  'medium-q8_0': { sizeMb: 785, sha1: 'e66645948aff4bebbec71b3485c576f3d63af5d6' },
  'medium.en': { sizeMb: 1500, sha1: '8c30f0e44ce9560643ebd10bbe50cd20eafd3723' },
  'large-v1': { sizeMb: 2900, sha1: 'b1caaf735c4cc1429223d5a74f0f4d0b9b59a299' },
  'large-v2': { sizeMb: 2900, sha1: '0f4c8e34f21cf1a914c59d8b3ce882345ad349d6' },
  'large-v2-q5_0': { sizeMb: 1100, sha1: '00e39f2196344e901b3a2bd5814807a769bd1630' },
  'large-v2-q8_0': { sizeMb: 1500, sha1: 'da97d6ca8f8ffbeeb5fd147f79010eeea194ba38' },
  'large-v3': { sizeMb: 2900, sha1: 'ad82bf6a9043ceed055076d0fd39f5f186ff8062' },
  'large-v3-q5_0': { sizeMb: 1100, sha1: 'e6e2ed78495d403bef4b7cff42ef4aaadcfea8de' },
  'large-v3-turbo': { sizeMb: 1500, sha1: '4af2b29d7ec73d781377bfd1758ca957a807e941' },
  'large-v3-turbo-q5_0': { sizeMb: 547, sha1: 'e050f7970618a659205450ad97eb95a18d69c9ee' },
  'large-v3-turbo-q8_0': { sizeMb: 834, sha1: '01bf15bedffe9f39d65c1b6ff9b687ea91f59e0e' },
};

export const modelFileName = (name: string) => `ggml-${name}.bin`;
