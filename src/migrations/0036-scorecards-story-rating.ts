// Issue 18 (scorecards): a story may answer the Friends and Family Test question, "Overall, how was your
// experience of our service?" — very good, good, neither good nor poor, poor, very poor, don't know — or not
// answer it (null). The database refuses any other value, whatever the app says.
export const statements = [
  `ALTER TABLE voice_stories ADD COLUMN fft_rating text
     CONSTRAINT voice_stories_fft_rating_scale CHECK (fft_rating IN ('very-good', 'good', 'neither', 'poor', 'very-poor', 'dont-know'))`,
];
