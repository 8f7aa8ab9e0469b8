pub use root::*;

const _: () = ::planus::check_version_compatibility("planus-1.3.0");

/// The root namespace
///
/// Generated from these locations:
/// * File `schema/conversion_metadata.fbs`
#[no_implicit_prelude]
#[allow(clippy::needless_lifetimes)]
mod root {
    /// The namespace `tflite`
    ///
    /// Generated from these locations:
    /// * File `schema/conversion_metadata.fbs`
    pub mod tflite {
        /// The namespace `tflite.conversion`
        ///
        /// Generated from these locations:
        /// * File `schema/conversion_metadata.fbs`
        pub mod conversion {
            /// The enum `ModelType` in the namespace `tflite.conversion`
            ///
            /// Generated from these locations:
            /// * Enum `ModelType` in the file `schema/conversion_metadata.fbs:14`
            #[derive(
                Copy,
                Clone,
                Debug,
                PartialEq,
                Eq,
                PartialOrd,
                Ord,
                Hash,
                ::serde::Serialize,
                ::serde::Deserialize,
            )]
            #[repr(i32)]
            pub enum ModelType {
                /// The variant `NONE` in the enum `ModelType`
                None = 0,

                /// The variant `TF_SAVED_MODEL` in the enum `ModelType`
                TfSavedModel = 1,

                /// The variant `KERAS_MODEL` in the enum `ModelType`
                KerasModel = 2,

                /// The variant `TF_CONCRETE_FUNCTIONS` in the enum `ModelType`
                TfConcreteFunctions = 3,

                /// The variant `TF_GRAPH_DEF` in the enum `ModelType`
                TfGraphDef = 4,

                /// The variant `TF_SESSION` in the enum `ModelType`
                TfSession = 5,

                /// The variant `JAX` in the enum `ModelType`
                Jax = 6,

                /// The variant `PYTORCH` in the enum `ModelType`
                Pytorch = 7,
            }

            impl ModelType {
                /// Array containing all valid variants of ModelType
                pub const ENUM_VALUES: [Self; 8] = [
                    Self::None,
                    Self::TfSavedModel,
                    Self::KerasModel,
                    Self::TfConcreteFunctions,
                    Self::TfGraphDef,
                    Self::TfSession,
                    Self::Jax,
                    Self::Pytorch,
                ];
            }

            impl ::core::convert::TryFrom<i32> for ModelType {
                type Error = ::planus::errors::UnknownEnumTagKind;
                #[inline]
                fn try_from(
                    value: i32,
                ) -> ::core::result::Result<Self, ::planus::errors::UnknownEnumTagKind>
                {
                    #[allow(clippy::match_single_binding)]
                    match value {
                        0 => ::core::result::Result::Ok(ModelType::None),
                        1 => ::core::result::Result::Ok(ModelType::TfSavedModel),
                        2 => ::core::result::Result::Ok(ModelType::KerasModel),
                        3 => ::core::result::Result::Ok(ModelType::TfConcreteFunctions),
                        4 => ::core::result::Result::Ok(ModelType::TfGraphDef),
                        5 => ::core::result::Result::Ok(ModelType::TfSession),
                        6 => ::core::result::Result::Ok(ModelType::Jax),
                        7 => ::core::result::Result::Ok(ModelType::Pytorch),

                        _ => ::core::result::Result::Err(::planus::errors::UnknownEnumTagKind {
                            tag: value as i128,
                        }),
                    }
                }
            }

            impl ::core::convert::From<ModelType> for i32 {
                #[inline]
                fn from(value: ModelType) -> Self {
                    value as i32
                }
            }

            /// # Safety
            /// The Planus compiler correctly calculates `ALIGNMENT` and `SIZE`.
            unsafe impl ::planus::Primitive for ModelType {
                const ALIGNMENT: usize = 4;
                const SIZE: usize = 4;
            }

            impl ::planus::WriteAsPrimitive<ModelType> for ModelType {
                #[inline]
                fn write<const N: usize>(
                    &self,
                    cursor: ::planus::Cursor<'_, N>,
                    buffer_position: u32,
                ) {
                    (*self as i32).write(cursor, buffer_position);
                }
            }

            impl ::planus::WriteAs<ModelType> for ModelType {
                type Prepared = Self;

                #[inline]
                fn prepare(&self, _builder: &mut ::planus::Builder) -> ModelType {
                    *self
                }
            }

            impl ::planus::WriteAsDefault<ModelType, ModelType> for ModelType {
                type Prepared = Self;

                #[inline]
                fn prepare(
                    &self,
                    _builder: &mut ::planus::Builder,
                    default: &ModelType,
                ) -> ::core::option::Option<ModelType> {
                    if self == default {
                        ::core::option::Option::None
                    } else {
                        ::core::option::Option::Some(*self)
                    }
                }
            }

            impl ::planus::WriteAsOptional<ModelType> for ModelType {
                type Prepared = Self;

                #[inline]
                fn prepare(
                    &self,
                    _builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<ModelType> {
                    ::core::option::Option::Some(*self)
                }
            }

            impl<'buf> ::planus::TableRead<'buf> for ModelType {
                #[inline]
                fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'buf>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::ErrorKind> {
                    let n: i32 = ::planus::TableRead::from_buffer(buffer, offset)?;
                    ::core::result::Result::Ok(::core::convert::TryInto::try_into(n)?)
                }
            }

            impl<'buf> ::planus::VectorReadInner<'buf> for ModelType {
                type Error = ::planus::errors::UnknownEnumTag;
                const STRIDE: usize = 4;
                #[inline]
                unsafe fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'buf>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::UnknownEnumTag>
                {
                    let value =
                        unsafe { <i32 as ::planus::VectorRead>::from_buffer(buffer, offset) };
                    let value: ::core::result::Result<Self, _> =
                        ::core::convert::TryInto::try_into(value);
                    value.map_err(|error_kind| {
                        error_kind.with_error_location(
                            "ModelType",
                            "VectorRead::from_buffer",
                            buffer.offset_from_start,
                        )
                    })
                }
            }

            /// # Safety
            /// The planus compiler generates implementations that initialize
            /// the bytes in `write_values`.
            unsafe impl ::planus::VectorWrite<ModelType> for ModelType {
                const STRIDE: usize = 4;

                type Value = Self;

                #[inline]
                fn prepare(&self, _builder: &mut ::planus::Builder) -> Self {
                    *self
                }

                #[inline]
                unsafe fn write_values(
                    values: &[Self],
                    bytes: *mut ::core::mem::MaybeUninit<u8>,
                    buffer_position: u32,
                ) {
                    let bytes = bytes as *mut [::core::mem::MaybeUninit<u8>; 4];
                    for (i, v) in ::core::iter::Iterator::enumerate(values.iter()) {
                        ::planus::WriteAsPrimitive::write(
                            v,
                            ::planus::Cursor::new(unsafe { &mut *bytes.add(i) }),
                            buffer_position - (4 * i) as u32,
                        );
                    }
                }
            }

            /// The enum `ModelOptimizationMode` in the namespace `tflite.conversion`
            ///
            /// Generated from these locations:
            /// * Enum `ModelOptimizationMode` in the file `schema/conversion_metadata.fbs:26`
            #[derive(
                Copy,
                Clone,
                Debug,
                PartialEq,
                Eq,
                PartialOrd,
                Ord,
                Hash,
                ::serde::Serialize,
                ::serde::Deserialize,
            )]
            #[repr(i32)]
            pub enum ModelOptimizationMode {
                /// The variant `PTQ_FLOAT16` in the enum `ModelOptimizationMode`
                PtqFloat16 = 1001,

                /// The variant `PTQ_DYNAMIC_RANGE` in the enum `ModelOptimizationMode`
                PtqDynamicRange = 1002,

                /// The variant `PTQ_FULL_INTEGER` in the enum `ModelOptimizationMode`
                PtqFullInteger = 1003,

                /// The variant `PTQ_INT16` in the enum `ModelOptimizationMode`
                PtqInt16 = 1004,

                /// The variant `QUANTIZATION_AWARE_TRAINING` in the enum `ModelOptimizationMode`
                QuantizationAwareTraining = 2000,

                /// The variant `RANDOM_SPARSITY` in the enum `ModelOptimizationMode`
                RandomSparsity = 3001,

                /// The variant `BLOCK_SPARSITY` in the enum `ModelOptimizationMode`
                BlockSparsity = 3002,

                /// The variant `STRUCTURED_SPARSITY` in the enum `ModelOptimizationMode`
                StructuredSparsity = 3003,
            }

            impl ModelOptimizationMode {
                /// Array containing all valid variants of ModelOptimizationMode
                pub const ENUM_VALUES: [Self; 8] = [
                    Self::PtqFloat16,
                    Self::PtqDynamicRange,
                    Self::PtqFullInteger,
                    Self::PtqInt16,
                    Self::QuantizationAwareTraining,
                    Self::RandomSparsity,
                    Self::BlockSparsity,
                    Self::StructuredSparsity,
                ];
            }

            impl ::core::convert::TryFrom<i32> for ModelOptimizationMode {
                type Error = ::planus::errors::UnknownEnumTagKind;
                #[inline]
                fn try_from(
                    value: i32,
                ) -> ::core::result::Result<Self, ::planus::errors::UnknownEnumTagKind>
                {
                    #[allow(clippy::match_single_binding)]
                    match value {
                        1001 => ::core::result::Result::Ok(ModelOptimizationMode::PtqFloat16),
                        1002 => ::core::result::Result::Ok(ModelOptimizationMode::PtqDynamicRange),
                        1003 => ::core::result::Result::Ok(ModelOptimizationMode::PtqFullInteger),
                        1004 => ::core::result::Result::Ok(ModelOptimizationMode::PtqInt16),
                        2000 => ::core::result::Result::Ok(
                            ModelOptimizationMode::QuantizationAwareTraining,
                        ),
                        3001 => ::core::result::Result::Ok(ModelOptimizationMode::RandomSparsity),
                        3002 => ::core::result::Result::Ok(ModelOptimizationMode::BlockSparsity),
                        3003 => {
                            ::core::result::Result::Ok(ModelOptimizationMode::StructuredSparsity)
                        }

                        _ => ::core::result::Result::Err(::planus::errors::UnknownEnumTagKind {
                            tag: value as i128,
                        }),
                    }
                }
            }

            impl ::core::convert::From<ModelOptimizationMode> for i32 {
                #[inline]
                fn from(value: ModelOptimizationMode) -> Self {
                    value as i32
                }
            }

            /// # Safety
            /// The Planus compiler correctly calculates `ALIGNMENT` and `SIZE`.
            unsafe impl ::planus::Primitive for ModelOptimizationMode {
                const ALIGNMENT: usize = 4;
                const SIZE: usize = 4;
            }

            impl ::planus::WriteAsPrimitive<ModelOptimizationMode> for ModelOptimizationMode {
                #[inline]
                fn write<const N: usize>(
                    &self,
                    cursor: ::planus::Cursor<'_, N>,
                    buffer_position: u32,
                ) {
                    (*self as i32).write(cursor, buffer_position);
                }
            }

            impl ::planus::WriteAs<ModelOptimizationMode> for ModelOptimizationMode {
                type Prepared = Self;

                #[inline]
                fn prepare(&self, _builder: &mut ::planus::Builder) -> ModelOptimizationMode {
                    *self
                }
            }

            impl ::planus::WriteAsDefault<ModelOptimizationMode, ModelOptimizationMode>
                for ModelOptimizationMode
            {
                type Prepared = Self;

                #[inline]
                fn prepare(
                    &self,
                    _builder: &mut ::planus::Builder,
                    default: &ModelOptimizationMode,
                ) -> ::core::option::Option<ModelOptimizationMode> {
                    if self == default {
                        ::core::option::Option::None
                    } else {
                        ::core::option::Option::Some(*self)
                    }
                }
            }

            impl ::planus::WriteAsOptional<ModelOptimizationMode> for ModelOptimizationMode {
                type Prepared = Self;

                #[inline]
                fn prepare(
                    &self,
                    _builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<ModelOptimizationMode> {
                    ::core::option::Option::Some(*self)
                }
            }

            impl<'buf> ::planus::TableRead<'buf> for ModelOptimizationMode {
                #[inline]
                fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'buf>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::ErrorKind> {
                    let n: i32 = ::planus::TableRead::from_buffer(buffer, offset)?;
                    ::core::result::Result::Ok(::core::convert::TryInto::try_into(n)?)
                }
            }

            impl<'buf> ::planus::VectorReadInner<'buf> for ModelOptimizationMode {
                type Error = ::planus::errors::UnknownEnumTag;
                const STRIDE: usize = 4;
                #[inline]
                unsafe fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'buf>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::UnknownEnumTag>
                {
                    let value =
                        unsafe { <i32 as ::planus::VectorRead>::from_buffer(buffer, offset) };
                    let value: ::core::result::Result<Self, _> =
                        ::core::convert::TryInto::try_into(value);
                    value.map_err(|error_kind| {
                        error_kind.with_error_location(
                            "ModelOptimizationMode",
                            "VectorRead::from_buffer",
                            buffer.offset_from_start,
                        )
                    })
                }
            }

            /// # Safety
            /// The planus compiler generates implementations that initialize
            /// the bytes in `write_values`.
            unsafe impl ::planus::VectorWrite<ModelOptimizationMode> for ModelOptimizationMode {
                const STRIDE: usize = 4;

                type Value = Self;

                #[inline]
                fn prepare(&self, _builder: &mut ::planus::Builder) -> Self {
                    *self
                }

                #[inline]
                unsafe fn write_values(
                    values: &[Self],
                    bytes: *mut ::core::mem::MaybeUninit<u8>,
                    buffer_position: u32,
                ) {
                    let bytes = bytes as *mut [::core::mem::MaybeUninit<u8>; 4];
                    for (i, v) in ::core::iter::Iterator::enumerate(values.iter()) {
                        ::planus::WriteAsPrimitive::write(
                            v,
                            ::planus::Cursor::new(unsafe { &mut *bytes.add(i) }),
                            buffer_position - (4 * i) as u32,
                        );
                    }
                }
            }

            /// The table `Environment` in the namespace `tflite.conversion`
            ///
            /// Generated from these locations:
            /// * Table `Environment` in the file `schema/conversion_metadata.fbs:37`
            #[derive(
                Clone,
                Debug,
                PartialEq,
                PartialOrd,
                Eq,
                Ord,
                Hash,
                ::serde::Serialize,
                ::serde::Deserialize,
            )]
            pub struct Environment {
                /// The field `tensorflow_version` in the table `Environment`
                pub tensorflow_version: ::core::option::Option<::planus::alloc::string::String>,
                /// The field `api_version` in the table `Environment`
                pub api_version: u32,
                /// The field `model_type` in the table `Environment`
                pub model_type: i32,
                /// The field `model_hash` in the table `Environment`
                pub model_hash: u64,
            }

            #[allow(clippy::derivable_impls)]
            impl ::core::default::Default for Environment {
                fn default() -> Self {
                    Self {
                        tensorflow_version: ::core::default::Default::default(),
                        api_version: 0,
                        model_type: 0,
                        model_hash: 0,
                    }
                }
            }

            impl Environment {
                /// Creates a [EnvironmentBuilder] for serializing an instance of this table.
                #[inline]
                pub fn builder() -> EnvironmentBuilder<()> {
                    EnvironmentBuilder(())
                }

                #[allow(clippy::too_many_arguments)]
                pub fn create(
                    builder: &mut ::planus::Builder,
                    field_tensorflow_version: impl ::planus::WriteAsOptional<
                        ::planus::Offset<::core::primitive::str>,
                    >,
                    field_api_version: impl ::planus::WriteAsDefault<u32, u32>,
                    field_model_type: impl ::planus::WriteAsDefault<i32, i32>,
                    field_model_hash: impl ::planus::WriteAsDefault<u64, u64>,
                ) -> ::planus::Offset<Self> {
                    let prepared_tensorflow_version = field_tensorflow_version.prepare(builder);
                    let prepared_api_version = field_api_version.prepare(builder, &0);
                    let prepared_model_type = field_model_type.prepare(builder, &0);
                    let prepared_model_hash = field_model_hash.prepare(builder, &0);

                    let mut table_writer: ::planus::table_writer::TableWriter<12> =
                        ::core::default::Default::default();
                    if prepared_model_hash.is_some() {
                        table_writer.write_entry::<u64>(3);
                    }
                    if prepared_tensorflow_version.is_some() {
                        table_writer.write_entry::<::planus::Offset<str>>(0);
                    }
                    if prepared_api_version.is_some() {
                        table_writer.write_entry::<u32>(1);
                    }
                    if prepared_model_type.is_some() {
                        table_writer.write_entry::<i32>(2);
                    }

                    unsafe {
                        table_writer.finish(builder, |object_writer| {
                            if let ::core::option::Option::Some(prepared_model_hash) =
                                prepared_model_hash
                            {
                                object_writer.write::<_, _, 8>(&prepared_model_hash);
                            }
                            if let ::core::option::Option::Some(prepared_tensorflow_version) =
                                prepared_tensorflow_version
                            {
                                object_writer.write::<_, _, 4>(&prepared_tensorflow_version);
                            }
                            if let ::core::option::Option::Some(prepared_api_version) =
                                prepared_api_version
                            {
                                object_writer.write::<_, _, 4>(&prepared_api_version);
                            }
                            if let ::core::option::Option::Some(prepared_model_type) =
                                prepared_model_type
                            {
                                object_writer.write::<_, _, 4>(&prepared_model_type);
                            }
                        });
                    }
                    builder.current_offset()
                }
            }

            impl ::planus::WriteAs<::planus::Offset<Environment>> for Environment {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<Environment> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl ::planus::WriteAsOptional<::planus::Offset<Environment>> for Environment {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<Environment>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl ::planus::WriteAsOffset<Environment> for Environment {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<Environment> {
                    Environment::create(
                        builder,
                        &self.tensorflow_version,
                        self.api_version,
                        self.model_type,
                        self.model_hash,
                    )
                }
            }

            /// Builder for serializing an instance of the [Environment] type.
            ///
            /// Can be created using the [Environment::builder] method.
            #[derive(Debug)]
            #[must_use]
            pub struct EnvironmentBuilder<State>(State);

            impl EnvironmentBuilder<()> {
                /// Setter for the [`tensorflow_version` field](Environment#structfield.tensorflow_version).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn tensorflow_version<T0>(self, value: T0) -> EnvironmentBuilder<(T0,)>
                where
                    T0: ::planus::WriteAsOptional<::planus::Offset<::core::primitive::str>>,
                {
                    EnvironmentBuilder((value,))
                }

                /// Sets the [`tensorflow_version` field](Environment#structfield.tensorflow_version) to null.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn tensorflow_version_as_null(self) -> EnvironmentBuilder<((),)> {
                    self.tensorflow_version(())
                }
            }

            impl<T0> EnvironmentBuilder<(T0,)> {
                /// Setter for the [`api_version` field](Environment#structfield.api_version).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn api_version<T1>(self, value: T1) -> EnvironmentBuilder<(T0, T1)>
                where
                    T1: ::planus::WriteAsDefault<u32, u32>,
                {
                    let (v0,) = self.0;
                    EnvironmentBuilder((v0, value))
                }

                /// Sets the [`api_version` field](Environment#structfield.api_version) to the default value.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn api_version_as_default(
                    self,
                ) -> EnvironmentBuilder<(T0, ::planus::DefaultValue)> {
                    self.api_version(::planus::DefaultValue)
                }
            }

            impl<T0, T1> EnvironmentBuilder<(T0, T1)> {
                /// Setter for the [`model_type` field](Environment#structfield.model_type).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn model_type<T2>(self, value: T2) -> EnvironmentBuilder<(T0, T1, T2)>
                where
                    T2: ::planus::WriteAsDefault<i32, i32>,
                {
                    let (v0, v1) = self.0;
                    EnvironmentBuilder((v0, v1, value))
                }

                /// Sets the [`model_type` field](Environment#structfield.model_type) to the default value.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn model_type_as_default(
                    self,
                ) -> EnvironmentBuilder<(T0, T1, ::planus::DefaultValue)> {
                    self.model_type(::planus::DefaultValue)
                }
            }

            impl<T0, T1, T2> EnvironmentBuilder<(T0, T1, T2)> {
                /// Setter for the [`model_hash` field](Environment#structfield.model_hash).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn model_hash<T3>(self, value: T3) -> EnvironmentBuilder<(T0, T1, T2, T3)>
                where
                    T3: ::planus::WriteAsDefault<u64, u64>,
                {
                    let (v0, v1, v2) = self.0;
                    EnvironmentBuilder((v0, v1, v2, value))
                }

                /// Sets the [`model_hash` field](Environment#structfield.model_hash) to the default value.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn model_hash_as_default(
                    self,
                ) -> EnvironmentBuilder<(T0, T1, T2, ::planus::DefaultValue)> {
                    self.model_hash(::planus::DefaultValue)
                }
            }

            impl<T0, T1, T2, T3> EnvironmentBuilder<(T0, T1, T2, T3)> {
                /// Finish writing the builder to get an [Offset](::planus::Offset) to a serialized [Environment].
                #[inline]
                pub fn finish(
                    self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<Environment>
                where
                    Self: ::planus::WriteAsOffset<Environment>,
                {
                    ::planus::WriteAsOffset::prepare(&self, builder)
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<::core::primitive::str>>,
                    T1: ::planus::WriteAsDefault<u32, u32>,
                    T2: ::planus::WriteAsDefault<i32, i32>,
                    T3: ::planus::WriteAsDefault<u64, u64>,
                > ::planus::WriteAs<::planus::Offset<Environment>>
                for EnvironmentBuilder<(T0, T1, T2, T3)>
            {
                type Prepared = ::planus::Offset<Environment>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<Environment> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<::core::primitive::str>>,
                    T1: ::planus::WriteAsDefault<u32, u32>,
                    T2: ::planus::WriteAsDefault<i32, i32>,
                    T3: ::planus::WriteAsDefault<u64, u64>,
                > ::planus::WriteAsOptional<::planus::Offset<Environment>>
                for EnvironmentBuilder<(T0, T1, T2, T3)>
            {
                type Prepared = ::planus::Offset<Environment>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<Environment>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<::core::primitive::str>>,
                    T1: ::planus::WriteAsDefault<u32, u32>,
                    T2: ::planus::WriteAsDefault<i32, i32>,
                    T3: ::planus::WriteAsDefault<u64, u64>,
                > ::planus::WriteAsOffset<Environment> for EnvironmentBuilder<(T0, T1, T2, T3)>
            {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<Environment> {
                    let (v0, v1, v2, v3) = &self.0;
                    Environment::create(builder, v0, v1, v2, v3)
                }
            }

            /// Reference to a deserialized [Environment].
            #[derive(Copy, Clone)]
            pub struct EnvironmentRef<'a>(#[allow(dead_code)] ::planus::table_reader::Table<'a>);

            impl<'a> EnvironmentRef<'a> {
                /// Getter for the [`tensorflow_version` field](Environment#structfield.tensorflow_version).
                #[inline]
                pub fn tensorflow_version(
                    &self,
                ) -> ::planus::Result<::core::option::Option<&'a ::core::primitive::str>>
                {
                    self.0.access(0, "Environment", "tensorflow_version")
                }

                /// Getter for the [`api_version` field](Environment#structfield.api_version).
                #[inline]
                pub fn api_version(&self) -> ::planus::Result<u32> {
                    ::core::result::Result::Ok(
                        self.0.access(1, "Environment", "api_version")?.unwrap_or(0),
                    )
                }

                /// Getter for the [`model_type` field](Environment#structfield.model_type).
                #[inline]
                pub fn model_type(&self) -> ::planus::Result<i32> {
                    ::core::result::Result::Ok(
                        self.0.access(2, "Environment", "model_type")?.unwrap_or(0),
                    )
                }

                /// Getter for the [`model_hash` field](Environment#structfield.model_hash).
                #[inline]
                pub fn model_hash(&self) -> ::planus::Result<u64> {
                    ::core::result::Result::Ok(
                        self.0.access(3, "Environment", "model_hash")?.unwrap_or(0),
                    )
                }
            }

            impl<'a> ::core::fmt::Debug for EnvironmentRef<'a> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    let mut f = f.debug_struct("EnvironmentRef");
                    if let ::core::option::Option::Some(field_tensorflow_version) =
                        self.tensorflow_version().transpose()
                    {
                        f.field("tensorflow_version", &field_tensorflow_version);
                    }
                    f.field("api_version", &self.api_version());
                    f.field("model_type", &self.model_type());
                    f.field("model_hash", &self.model_hash());
                    f.finish()
                }
            }

            impl<'a> ::core::convert::TryFrom<EnvironmentRef<'a>> for Environment {
                type Error = ::planus::Error;

                #[allow(unreachable_code)]
                fn try_from(value: EnvironmentRef<'a>) -> ::planus::Result<Self> {
                    ::core::result::Result::Ok(Self {
                        tensorflow_version: value
                            .tensorflow_version()?
                            .map(::core::convert::Into::into),
                        api_version: ::core::convert::TryInto::try_into(value.api_version()?)?,
                        model_type: ::core::convert::TryInto::try_into(value.model_type()?)?,
                        model_hash: ::core::convert::TryInto::try_into(value.model_hash()?)?,
                    })
                }
            }

            impl<'a> ::planus::TableRead<'a> for EnvironmentRef<'a> {
                #[inline]
                fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::ErrorKind> {
                    ::core::result::Result::Ok(Self(::planus::table_reader::Table::from_buffer(
                        buffer, offset,
                    )?))
                }
            }

            impl<'a> ::planus::VectorReadInner<'a> for EnvironmentRef<'a> {
                type Error = ::planus::Error;
                const STRIDE: usize = 4;

                unsafe fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(buffer, offset).map_err(|error_kind| {
                        error_kind.with_error_location(
                            "[EnvironmentRef]",
                            "get",
                            buffer.offset_from_start,
                        )
                    })
                }
            }

            /// # Safety
            /// The planus compiler generates implementations that initialize
            /// the bytes in `write_values`.
            unsafe impl ::planus::VectorWrite<::planus::Offset<Environment>> for Environment {
                type Value = ::planus::Offset<Environment>;
                const STRIDE: usize = 4;
                #[inline]
                fn prepare(&self, builder: &mut ::planus::Builder) -> Self::Value {
                    ::planus::WriteAs::prepare(self, builder)
                }

                #[inline]
                unsafe fn write_values(
                    values: &[::planus::Offset<Environment>],
                    bytes: *mut ::core::mem::MaybeUninit<u8>,
                    buffer_position: u32,
                ) {
                    let bytes = bytes as *mut [::core::mem::MaybeUninit<u8>; 4];
                    for (i, v) in ::core::iter::Iterator::enumerate(values.iter()) {
                        ::planus::WriteAsPrimitive::write(
                            v,
                            ::planus::Cursor::new(unsafe { &mut *bytes.add(i) }),
                            buffer_position - (Self::STRIDE * i) as u32,
                        );
                    }
                }
            }

            impl<'a> ::planus::ReadAsRoot<'a> for EnvironmentRef<'a> {
                fn read_as_root(slice: &'a [u8]) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(
                        ::planus::SliceWithStartOffset {
                            buffer: slice,
                            offset_from_start: 0,
                        },
                        0,
                    )
                    .map_err(|error_kind| {
                        error_kind.with_error_location("[EnvironmentRef]", "read_as_root", 0)
                    })
                }
            }

            /// The table `SparsityBlockSize` in the namespace `tflite.conversion`
            ///
            /// Generated from these locations:
            /// * Table `SparsityBlockSize` in the file `schema/conversion_metadata.fbs:45`
            #[derive(
                Clone,
                Debug,
                PartialEq,
                PartialOrd,
                Eq,
                Ord,
                Hash,
                ::serde::Serialize,
                ::serde::Deserialize,
            )]
            pub struct SparsityBlockSize {
                /// The field `values` in the table `SparsityBlockSize`
                pub values: ::core::option::Option<::planus::alloc::vec::Vec<u32>>,
            }

            #[allow(clippy::derivable_impls)]
            impl ::core::default::Default for SparsityBlockSize {
                fn default() -> Self {
                    Self {
                        values: ::core::default::Default::default(),
                    }
                }
            }

            impl SparsityBlockSize {
                /// Creates a [SparsityBlockSizeBuilder] for serializing an instance of this table.
                #[inline]
                pub fn builder() -> SparsityBlockSizeBuilder<()> {
                    SparsityBlockSizeBuilder(())
                }

                #[allow(clippy::too_many_arguments)]
                pub fn create(
                    builder: &mut ::planus::Builder,
                    field_values: impl ::planus::WriteAsOptional<::planus::Offset<[u32]>>,
                ) -> ::planus::Offset<Self> {
                    let prepared_values = field_values.prepare(builder);

                    let mut table_writer: ::planus::table_writer::TableWriter<6> =
                        ::core::default::Default::default();
                    if prepared_values.is_some() {
                        table_writer.write_entry::<::planus::Offset<[u32]>>(0);
                    }

                    unsafe {
                        table_writer.finish(builder, |object_writer| {
                            if let ::core::option::Option::Some(prepared_values) = prepared_values {
                                object_writer.write::<_, _, 4>(&prepared_values);
                            }
                        });
                    }
                    builder.current_offset()
                }
            }

            impl ::planus::WriteAs<::planus::Offset<SparsityBlockSize>> for SparsityBlockSize {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<SparsityBlockSize> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl ::planus::WriteAsOptional<::planus::Offset<SparsityBlockSize>> for SparsityBlockSize {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<SparsityBlockSize>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl ::planus::WriteAsOffset<SparsityBlockSize> for SparsityBlockSize {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<SparsityBlockSize> {
                    SparsityBlockSize::create(builder, &self.values)
                }
            }

            /// Builder for serializing an instance of the [SparsityBlockSize] type.
            ///
            /// Can be created using the [SparsityBlockSize::builder] method.
            #[derive(Debug)]
            #[must_use]
            pub struct SparsityBlockSizeBuilder<State>(State);

            impl SparsityBlockSizeBuilder<()> {
                /// Setter for the [`values` field](SparsityBlockSize#structfield.values).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn values<T0>(self, value: T0) -> SparsityBlockSizeBuilder<(T0,)>
                where
                    T0: ::planus::WriteAsOptional<::planus::Offset<[u32]>>,
                {
                    SparsityBlockSizeBuilder((value,))
                }

                /// Sets the [`values` field](SparsityBlockSize#structfield.values) to null.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn values_as_null(self) -> SparsityBlockSizeBuilder<((),)> {
                    self.values(())
                }
            }

            impl<T0> SparsityBlockSizeBuilder<(T0,)> {
                /// Finish writing the builder to get an [Offset](::planus::Offset) to a serialized [SparsityBlockSize].
                #[inline]
                pub fn finish(
                    self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<SparsityBlockSize>
                where
                    Self: ::planus::WriteAsOffset<SparsityBlockSize>,
                {
                    ::planus::WriteAsOffset::prepare(&self, builder)
                }
            }

            impl<T0: ::planus::WriteAsOptional<::planus::Offset<[u32]>>>
                ::planus::WriteAs<::planus::Offset<SparsityBlockSize>>
                for SparsityBlockSizeBuilder<(T0,)>
            {
                type Prepared = ::planus::Offset<SparsityBlockSize>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<SparsityBlockSize> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl<T0: ::planus::WriteAsOptional<::planus::Offset<[u32]>>>
                ::planus::WriteAsOptional<::planus::Offset<SparsityBlockSize>>
                for SparsityBlockSizeBuilder<(T0,)>
            {
                type Prepared = ::planus::Offset<SparsityBlockSize>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<SparsityBlockSize>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl<T0: ::planus::WriteAsOptional<::planus::Offset<[u32]>>>
                ::planus::WriteAsOffset<SparsityBlockSize> for SparsityBlockSizeBuilder<(T0,)>
            {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<SparsityBlockSize> {
                    let (v0,) = &self.0;
                    SparsityBlockSize::create(builder, v0)
                }
            }

            /// Reference to a deserialized [SparsityBlockSize].
            #[derive(Copy, Clone)]
            pub struct SparsityBlockSizeRef<'a>(
                #[allow(dead_code)] ::planus::table_reader::Table<'a>,
            );

            impl<'a> SparsityBlockSizeRef<'a> {
                /// Getter for the [`values` field](SparsityBlockSize#structfield.values).
                #[inline]
                pub fn values(
                    &self,
                ) -> ::planus::Result<::core::option::Option<::planus::Vector<'a, u32>>>
                {
                    self.0.access(0, "SparsityBlockSize", "values")
                }
            }

            impl<'a> ::core::fmt::Debug for SparsityBlockSizeRef<'a> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    let mut f = f.debug_struct("SparsityBlockSizeRef");
                    if let ::core::option::Option::Some(field_values) = self.values().transpose() {
                        f.field("values", &field_values);
                    }
                    f.finish()
                }
            }

            impl<'a> ::core::convert::TryFrom<SparsityBlockSizeRef<'a>> for SparsityBlockSize {
                type Error = ::planus::Error;

                #[allow(unreachable_code)]
                fn try_from(value: SparsityBlockSizeRef<'a>) -> ::planus::Result<Self> {
                    ::core::result::Result::Ok(Self {
                        values: if let ::core::option::Option::Some(values) = value.values()? {
                            ::core::option::Option::Some(values.to_vec()?)
                        } else {
                            ::core::option::Option::None
                        },
                    })
                }
            }

            impl<'a> ::planus::TableRead<'a> for SparsityBlockSizeRef<'a> {
                #[inline]
                fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::ErrorKind> {
                    ::core::result::Result::Ok(Self(::planus::table_reader::Table::from_buffer(
                        buffer, offset,
                    )?))
                }
            }

            impl<'a> ::planus::VectorReadInner<'a> for SparsityBlockSizeRef<'a> {
                type Error = ::planus::Error;
                const STRIDE: usize = 4;

                unsafe fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(buffer, offset).map_err(|error_kind| {
                        error_kind.with_error_location(
                            "[SparsityBlockSizeRef]",
                            "get",
                            buffer.offset_from_start,
                        )
                    })
                }
            }

            /// # Safety
            /// The planus compiler generates implementations that initialize
            /// the bytes in `write_values`.
            unsafe impl ::planus::VectorWrite<::planus::Offset<SparsityBlockSize>> for SparsityBlockSize {
                type Value = ::planus::Offset<SparsityBlockSize>;
                const STRIDE: usize = 4;
                #[inline]
                fn prepare(&self, builder: &mut ::planus::Builder) -> Self::Value {
                    ::planus::WriteAs::prepare(self, builder)
                }

                #[inline]
                unsafe fn write_values(
                    values: &[::planus::Offset<SparsityBlockSize>],
                    bytes: *mut ::core::mem::MaybeUninit<u8>,
                    buffer_position: u32,
                ) {
                    let bytes = bytes as *mut [::core::mem::MaybeUninit<u8>; 4];
                    for (i, v) in ::core::iter::Iterator::enumerate(values.iter()) {
                        ::planus::WriteAsPrimitive::write(
                            v,
                            ::planus::Cursor::new(unsafe { &mut *bytes.add(i) }),
                            buffer_position - (Self::STRIDE * i) as u32,
                        );
                    }
                }
            }

            impl<'a> ::planus::ReadAsRoot<'a> for SparsityBlockSizeRef<'a> {
                fn read_as_root(slice: &'a [u8]) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(
                        ::planus::SliceWithStartOffset {
                            buffer: slice,
                            offset_from_start: 0,
                        },
                        0,
                    )
                    .map_err(|error_kind| {
                        error_kind.with_error_location("[SparsityBlockSizeRef]", "read_as_root", 0)
                    })
                }
            }

            /// The table `ConversionOptions` in the namespace `tflite.conversion`
            ///
            /// Generated from these locations:
            /// * Table `ConversionOptions` in the file `schema/conversion_metadata.fbs:49`
            #[derive(
                Clone,
                Debug,
                PartialEq,
                PartialOrd,
                Eq,
                Ord,
                Hash,
                ::serde::Serialize,
                ::serde::Deserialize,
            )]
            pub struct ConversionOptions {
                /// The field `model_optimization_modes` in the table `ConversionOptions`
                pub model_optimization_modes:
                    ::core::option::Option<::planus::alloc::vec::Vec<i32>>,
                /// The field `allow_custom_ops` in the table `ConversionOptions`
                pub allow_custom_ops: bool,
                /// The field `enable_select_tf_ops` in the table `ConversionOptions`
                pub enable_select_tf_ops: bool,
                /// The field `force_select_tf_ops` in the table `ConversionOptions`
                pub force_select_tf_ops: bool,
                /// The field `sparsity_block_sizes` in the table `ConversionOptions`
                pub sparsity_block_sizes:
                    ::core::option::Option<::planus::alloc::vec::Vec<self::SparsityBlockSize>>,
            }

            #[allow(clippy::derivable_impls)]
            impl ::core::default::Default for ConversionOptions {
                fn default() -> Self {
                    Self {
                        model_optimization_modes: ::core::default::Default::default(),
                        allow_custom_ops: false,
                        enable_select_tf_ops: false,
                        force_select_tf_ops: false,
                        sparsity_block_sizes: ::core::default::Default::default(),
                    }
                }
            }

            impl ConversionOptions {
                /// Creates a [ConversionOptionsBuilder] for serializing an instance of this table.
                #[inline]
                pub fn builder() -> ConversionOptionsBuilder<()> {
                    ConversionOptionsBuilder(())
                }

                #[allow(clippy::too_many_arguments)]
                pub fn create(
                    builder: &mut ::planus::Builder,
                    field_model_optimization_modes: impl ::planus::WriteAsOptional<
                        ::planus::Offset<[i32]>,
                    >,
                    field_allow_custom_ops: impl ::planus::WriteAsDefault<bool, bool>,
                    field_enable_select_tf_ops: impl ::planus::WriteAsDefault<bool, bool>,
                    field_force_select_tf_ops: impl ::planus::WriteAsDefault<bool, bool>,
                    field_sparsity_block_sizes: impl ::planus::WriteAsOptional<
                        ::planus::Offset<[::planus::Offset<self::SparsityBlockSize>]>,
                    >,
                ) -> ::planus::Offset<Self> {
                    let prepared_model_optimization_modes =
                        field_model_optimization_modes.prepare(builder);
                    let prepared_allow_custom_ops = field_allow_custom_ops.prepare(builder, &false);
                    let prepared_enable_select_tf_ops =
                        field_enable_select_tf_ops.prepare(builder, &false);
                    let prepared_force_select_tf_ops =
                        field_force_select_tf_ops.prepare(builder, &false);
                    let prepared_sparsity_block_sizes = field_sparsity_block_sizes.prepare(builder);

                    let mut table_writer: ::planus::table_writer::TableWriter<14> =
                        ::core::default::Default::default();
                    if prepared_model_optimization_modes.is_some() {
                        table_writer.write_entry::<::planus::Offset<[i32]>>(0);
                    }
                    if prepared_sparsity_block_sizes.is_some() {
                        table_writer.write_entry::<::planus::Offset<[::planus::Offset<self::SparsityBlockSize>]>>(4);
                    }
                    if prepared_allow_custom_ops.is_some() {
                        table_writer.write_entry::<bool>(1);
                    }
                    if prepared_enable_select_tf_ops.is_some() {
                        table_writer.write_entry::<bool>(2);
                    }
                    if prepared_force_select_tf_ops.is_some() {
                        table_writer.write_entry::<bool>(3);
                    }

                    unsafe {
                        table_writer.finish(builder, |object_writer| {
                            if let ::core::option::Option::Some(prepared_model_optimization_modes) =
                                prepared_model_optimization_modes
                            {
                                object_writer.write::<_, _, 4>(&prepared_model_optimization_modes);
                            }
                            if let ::core::option::Option::Some(prepared_sparsity_block_sizes) =
                                prepared_sparsity_block_sizes
                            {
                                object_writer.write::<_, _, 4>(&prepared_sparsity_block_sizes);
                            }
                            if let ::core::option::Option::Some(prepared_allow_custom_ops) =
                                prepared_allow_custom_ops
                            {
                                object_writer.write::<_, _, 1>(&prepared_allow_custom_ops);
                            }
                            if let ::core::option::Option::Some(prepared_enable_select_tf_ops) =
                                prepared_enable_select_tf_ops
                            {
                                object_writer.write::<_, _, 1>(&prepared_enable_select_tf_ops);
                            }
                            if let ::core::option::Option::Some(prepared_force_select_tf_ops) =
                                prepared_force_select_tf_ops
                            {
                                object_writer.write::<_, _, 1>(&prepared_force_select_tf_ops);
                            }
                        });
                    }
                    builder.current_offset()
                }
            }

            impl ::planus::WriteAs<::planus::Offset<ConversionOptions>> for ConversionOptions {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionOptions> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl ::planus::WriteAsOptional<::planus::Offset<ConversionOptions>> for ConversionOptions {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<ConversionOptions>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl ::planus::WriteAsOffset<ConversionOptions> for ConversionOptions {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionOptions> {
                    ConversionOptions::create(
                        builder,
                        &self.model_optimization_modes,
                        self.allow_custom_ops,
                        self.enable_select_tf_ops,
                        self.force_select_tf_ops,
                        &self.sparsity_block_sizes,
                    )
                }
            }

            /// Builder for serializing an instance of the [ConversionOptions] type.
            ///
            /// Can be created using the [ConversionOptions::builder] method.
            #[derive(Debug)]
            #[must_use]
            pub struct ConversionOptionsBuilder<State>(State);

            impl ConversionOptionsBuilder<()> {
                /// Setter for the [`model_optimization_modes` field](ConversionOptions#structfield.model_optimization_modes).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn model_optimization_modes<T0>(
                    self,
                    value: T0,
                ) -> ConversionOptionsBuilder<(T0,)>
                where
                    T0: ::planus::WriteAsOptional<::planus::Offset<[i32]>>,
                {
                    ConversionOptionsBuilder((value,))
                }

                /// Sets the [`model_optimization_modes` field](ConversionOptions#structfield.model_optimization_modes) to null.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn model_optimization_modes_as_null(self) -> ConversionOptionsBuilder<((),)> {
                    self.model_optimization_modes(())
                }
            }

            impl<T0> ConversionOptionsBuilder<(T0,)> {
                /// Setter for the [`allow_custom_ops` field](ConversionOptions#structfield.allow_custom_ops).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn allow_custom_ops<T1>(self, value: T1) -> ConversionOptionsBuilder<(T0, T1)>
                where
                    T1: ::planus::WriteAsDefault<bool, bool>,
                {
                    let (v0,) = self.0;
                    ConversionOptionsBuilder((v0, value))
                }

                /// Sets the [`allow_custom_ops` field](ConversionOptions#structfield.allow_custom_ops) to the default value.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn allow_custom_ops_as_default(
                    self,
                ) -> ConversionOptionsBuilder<(T0, ::planus::DefaultValue)> {
                    self.allow_custom_ops(::planus::DefaultValue)
                }
            }

            impl<T0, T1> ConversionOptionsBuilder<(T0, T1)> {
                /// Setter for the [`enable_select_tf_ops` field](ConversionOptions#structfield.enable_select_tf_ops).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn enable_select_tf_ops<T2>(
                    self,
                    value: T2,
                ) -> ConversionOptionsBuilder<(T0, T1, T2)>
                where
                    T2: ::planus::WriteAsDefault<bool, bool>,
                {
                    let (v0, v1) = self.0;
                    ConversionOptionsBuilder((v0, v1, value))
                }

                /// Sets the [`enable_select_tf_ops` field](ConversionOptions#structfield.enable_select_tf_ops) to the default value.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn enable_select_tf_ops_as_default(
                    self,
                ) -> ConversionOptionsBuilder<(T0, T1, ::planus::DefaultValue)> {
                    self.enable_select_tf_ops(::planus::DefaultValue)
                }
            }

            impl<T0, T1, T2> ConversionOptionsBuilder<(T0, T1, T2)> {
                /// Setter for the [`force_select_tf_ops` field](ConversionOptions#structfield.force_select_tf_ops).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn force_select_tf_ops<T3>(
                    self,
                    value: T3,
                ) -> ConversionOptionsBuilder<(T0, T1, T2, T3)>
                where
                    T3: ::planus::WriteAsDefault<bool, bool>,
                {
                    let (v0, v1, v2) = self.0;
                    ConversionOptionsBuilder((v0, v1, v2, value))
                }

                /// Sets the [`force_select_tf_ops` field](ConversionOptions#structfield.force_select_tf_ops) to the default value.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn force_select_tf_ops_as_default(
                    self,
                ) -> ConversionOptionsBuilder<(T0, T1, T2, ::planus::DefaultValue)>
                {
                    self.force_select_tf_ops(::planus::DefaultValue)
                }
            }

            impl<T0, T1, T2, T3> ConversionOptionsBuilder<(T0, T1, T2, T3)> {
                /// Setter for the [`sparsity_block_sizes` field](ConversionOptions#structfield.sparsity_block_sizes).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn sparsity_block_sizes<T4>(
                    self,
                    value: T4,
                ) -> ConversionOptionsBuilder<(T0, T1, T2, T3, T4)>
                where
                    T4: ::planus::WriteAsOptional<
                        ::planus::Offset<[::planus::Offset<self::SparsityBlockSize>]>,
                    >,
                {
                    let (v0, v1, v2, v3) = self.0;
                    ConversionOptionsBuilder((v0, v1, v2, v3, value))
                }

                /// Sets the [`sparsity_block_sizes` field](ConversionOptions#structfield.sparsity_block_sizes) to null.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn sparsity_block_sizes_as_null(
                    self,
                ) -> ConversionOptionsBuilder<(T0, T1, T2, T3, ())> {
                    self.sparsity_block_sizes(())
                }
            }

            impl<T0, T1, T2, T3, T4> ConversionOptionsBuilder<(T0, T1, T2, T3, T4)> {
                /// Finish writing the builder to get an [Offset](::planus::Offset) to a serialized [ConversionOptions].
                #[inline]
                pub fn finish(
                    self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionOptions>
                where
                    Self: ::planus::WriteAsOffset<ConversionOptions>,
                {
                    ::planus::WriteAsOffset::prepare(&self, builder)
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<[i32]>>,
                    T1: ::planus::WriteAsDefault<bool, bool>,
                    T2: ::planus::WriteAsDefault<bool, bool>,
                    T3: ::planus::WriteAsDefault<bool, bool>,
                    T4: ::planus::WriteAsOptional<
                        ::planus::Offset<[::planus::Offset<self::SparsityBlockSize>]>,
                    >,
                > ::planus::WriteAs<::planus::Offset<ConversionOptions>>
                for ConversionOptionsBuilder<(T0, T1, T2, T3, T4)>
            {
                type Prepared = ::planus::Offset<ConversionOptions>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionOptions> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<[i32]>>,
                    T1: ::planus::WriteAsDefault<bool, bool>,
                    T2: ::planus::WriteAsDefault<bool, bool>,
                    T3: ::planus::WriteAsDefault<bool, bool>,
                    T4: ::planus::WriteAsOptional<
                        ::planus::Offset<[::planus::Offset<self::SparsityBlockSize>]>,
                    >,
                > ::planus::WriteAsOptional<::planus::Offset<ConversionOptions>>
                for ConversionOptionsBuilder<(T0, T1, T2, T3, T4)>
            {
                type Prepared = ::planus::Offset<ConversionOptions>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<ConversionOptions>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<[i32]>>,
                    T1: ::planus::WriteAsDefault<bool, bool>,
                    T2: ::planus::WriteAsDefault<bool, bool>,
                    T3: ::planus::WriteAsDefault<bool, bool>,
                    T4: ::planus::WriteAsOptional<
                        ::planus::Offset<[::planus::Offset<self::SparsityBlockSize>]>,
                    >,
                > ::planus::WriteAsOffset<ConversionOptions>
                for ConversionOptionsBuilder<(T0, T1, T2, T3, T4)>
            {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionOptions> {
                    let (v0, v1, v2, v3, v4) = &self.0;
                    ConversionOptions::create(builder, v0, v1, v2, v3, v4)
                }
            }

            /// Reference to a deserialized [ConversionOptions].
            #[derive(Copy, Clone)]
            pub struct ConversionOptionsRef<'a>(
                #[allow(dead_code)] ::planus::table_reader::Table<'a>,
            );

            impl<'a> ConversionOptionsRef<'a> {
                /// Getter for the [`model_optimization_modes` field](ConversionOptions#structfield.model_optimization_modes).
                #[inline]
                pub fn model_optimization_modes(
                    &self,
                ) -> ::planus::Result<::core::option::Option<::planus::Vector<'a, i32>>>
                {
                    self.0
                        .access(0, "ConversionOptions", "model_optimization_modes")
                }

                /// Getter for the [`allow_custom_ops` field](ConversionOptions#structfield.allow_custom_ops).
                #[inline]
                pub fn allow_custom_ops(&self) -> ::planus::Result<bool> {
                    ::core::result::Result::Ok(
                        self.0
                            .access(1, "ConversionOptions", "allow_custom_ops")?
                            .unwrap_or(false),
                    )
                }

                /// Getter for the [`enable_select_tf_ops` field](ConversionOptions#structfield.enable_select_tf_ops).
                #[inline]
                pub fn enable_select_tf_ops(&self) -> ::planus::Result<bool> {
                    ::core::result::Result::Ok(
                        self.0
                            .access(2, "ConversionOptions", "enable_select_tf_ops")?
                            .unwrap_or(false),
                    )
                }

                /// Getter for the [`force_select_tf_ops` field](ConversionOptions#structfield.force_select_tf_ops).
                #[inline]
                pub fn force_select_tf_ops(&self) -> ::planus::Result<bool> {
                    ::core::result::Result::Ok(
                        self.0
                            .access(3, "ConversionOptions", "force_select_tf_ops")?
                            .unwrap_or(false),
                    )
                }

                /// Getter for the [`sparsity_block_sizes` field](ConversionOptions#structfield.sparsity_block_sizes).
                #[inline]
                pub fn sparsity_block_sizes(
                    &self,
                ) -> ::planus::Result<
                    ::core::option::Option<
                        ::planus::Vector<'a, ::planus::Result<self::SparsityBlockSizeRef<'a>>>,
                    >,
                > {
                    self.0
                        .access(4, "ConversionOptions", "sparsity_block_sizes")
                }
            }

            impl<'a> ::core::fmt::Debug for ConversionOptionsRef<'a> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    let mut f = f.debug_struct("ConversionOptionsRef");
                    if let ::core::option::Option::Some(field_model_optimization_modes) =
                        self.model_optimization_modes().transpose()
                    {
                        f.field("model_optimization_modes", &field_model_optimization_modes);
                    }
                    f.field("allow_custom_ops", &self.allow_custom_ops());
                    f.field("enable_select_tf_ops", &self.enable_select_tf_ops());
                    f.field("force_select_tf_ops", &self.force_select_tf_ops());
                    if let ::core::option::Option::Some(field_sparsity_block_sizes) =
                        self.sparsity_block_sizes().transpose()
                    {
                        f.field("sparsity_block_sizes", &field_sparsity_block_sizes);
                    }
                    f.finish()
                }
            }

            impl<'a> ::core::convert::TryFrom<ConversionOptionsRef<'a>> for ConversionOptions {
                type Error = ::planus::Error;

                #[allow(unreachable_code)]
                fn try_from(value: ConversionOptionsRef<'a>) -> ::planus::Result<Self> {
                    ::core::result::Result::Ok(Self {
                        model_optimization_modes: if let ::core::option::Option::Some(
                            model_optimization_modes,
                        ) = value.model_optimization_modes()?
                        {
                            ::core::option::Option::Some(model_optimization_modes.to_vec()?)
                        } else {
                            ::core::option::Option::None
                        },
                        allow_custom_ops: ::core::convert::TryInto::try_into(
                            value.allow_custom_ops()?,
                        )?,
                        enable_select_tf_ops: ::core::convert::TryInto::try_into(
                            value.enable_select_tf_ops()?,
                        )?,
                        force_select_tf_ops: ::core::convert::TryInto::try_into(
                            value.force_select_tf_ops()?,
                        )?,
                        sparsity_block_sizes: if let ::core::option::Option::Some(
                            sparsity_block_sizes,
                        ) = value.sparsity_block_sizes()?
                        {
                            ::core::option::Option::Some(sparsity_block_sizes.to_vec_result()?)
                        } else {
                            ::core::option::Option::None
                        },
                    })
                }
            }

            impl<'a> ::planus::TableRead<'a> for ConversionOptionsRef<'a> {
                #[inline]
                fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::ErrorKind> {
                    ::core::result::Result::Ok(Self(::planus::table_reader::Table::from_buffer(
                        buffer, offset,
                    )?))
                }
            }

            impl<'a> ::planus::VectorReadInner<'a> for ConversionOptionsRef<'a> {
                type Error = ::planus::Error;
                const STRIDE: usize = 4;

                unsafe fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(buffer, offset).map_err(|error_kind| {
                        error_kind.with_error_location(
                            "[ConversionOptionsRef]",
                            "get",
                            buffer.offset_from_start,
                        )
                    })
                }
            }

            /// # Safety
            /// The planus compiler generates implementations that initialize
            /// the bytes in `write_values`.
            unsafe impl ::planus::VectorWrite<::planus::Offset<ConversionOptions>> for ConversionOptions {
                type Value = ::planus::Offset<ConversionOptions>;
                const STRIDE: usize = 4;
                #[inline]
                fn prepare(&self, builder: &mut ::planus::Builder) -> Self::Value {
                    ::planus::WriteAs::prepare(self, builder)
                }

                #[inline]
                unsafe fn write_values(
                    values: &[::planus::Offset<ConversionOptions>],
                    bytes: *mut ::core::mem::MaybeUninit<u8>,
                    buffer_position: u32,
                ) {
                    let bytes = bytes as *mut [::core::mem::MaybeUninit<u8>; 4];
                    for (i, v) in ::core::iter::Iterator::enumerate(values.iter()) {
                        ::planus::WriteAsPrimitive::write(
                            v,
                            ::planus::Cursor::new(unsafe { &mut *bytes.add(i) }),
                            buffer_position - (Self::STRIDE * i) as u32,
                        );
                    }
                }
            }

            impl<'a> ::planus::ReadAsRoot<'a> for ConversionOptionsRef<'a> {
                fn read_as_root(slice: &'a [u8]) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(
                        ::planus::SliceWithStartOffset {
                            buffer: slice,
                            offset_from_start: 0,
                        },
                        0,
                    )
                    .map_err(|error_kind| {
                        error_kind.with_error_location("[ConversionOptionsRef]", "read_as_root", 0)
                    })
                }
            }

            /// The table `ConversionMetadata` in the namespace `tflite.conversion`
            ///
            /// Generated from these locations:
            /// * Table `ConversionMetadata` in the file `schema/conversion_metadata.fbs:57`
            #[derive(
                Clone,
                Debug,
                PartialEq,
                PartialOrd,
                Eq,
                Ord,
                Hash,
                ::serde::Serialize,
                ::serde::Deserialize,
            )]
            pub struct ConversionMetadata {
                /// The field `environment` in the table `ConversionMetadata`
                pub environment:
                    ::core::option::Option<::planus::alloc::boxed::Box<self::Environment>>,
                /// The field `options` in the table `ConversionMetadata`
                pub options:
                    ::core::option::Option<::planus::alloc::boxed::Box<self::ConversionOptions>>,
            }

            #[allow(clippy::derivable_impls)]
            impl ::core::default::Default for ConversionMetadata {
                fn default() -> Self {
                    Self {
                        environment: ::core::default::Default::default(),
                        options: ::core::default::Default::default(),
                    }
                }
            }

            impl ConversionMetadata {
                /// Creates a [ConversionMetadataBuilder] for serializing an instance of this table.
                #[inline]
                pub fn builder() -> ConversionMetadataBuilder<()> {
                    ConversionMetadataBuilder(())
                }

                #[allow(clippy::too_many_arguments)]
                pub fn create(
                    builder: &mut ::planus::Builder,
                    field_environment: impl ::planus::WriteAsOptional<
                        ::planus::Offset<self::Environment>,
                    >,
                    field_options: impl ::planus::WriteAsOptional<
                        ::planus::Offset<self::ConversionOptions>,
                    >,
                ) -> ::planus::Offset<Self> {
                    let prepared_environment = field_environment.prepare(builder);
                    let prepared_options = field_options.prepare(builder);

                    let mut table_writer: ::planus::table_writer::TableWriter<8> =
                        ::core::default::Default::default();
                    if prepared_environment.is_some() {
                        table_writer.write_entry::<::planus::Offset<self::Environment>>(0);
                    }
                    if prepared_options.is_some() {
                        table_writer.write_entry::<::planus::Offset<self::ConversionOptions>>(1);
                    }

                    unsafe {
                        table_writer.finish(builder, |object_writer| {
                            if let ::core::option::Option::Some(prepared_environment) =
                                prepared_environment
                            {
                                object_writer.write::<_, _, 4>(&prepared_environment);
                            }
                            if let ::core::option::Option::Some(prepared_options) = prepared_options
                            {
                                object_writer.write::<_, _, 4>(&prepared_options);
                            }
                        });
                    }
                    builder.current_offset()
                }
            }

            impl ::planus::WriteAs<::planus::Offset<ConversionMetadata>> for ConversionMetadata {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionMetadata> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl ::planus::WriteAsOptional<::planus::Offset<ConversionMetadata>> for ConversionMetadata {
                type Prepared = ::planus::Offset<Self>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<ConversionMetadata>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl ::planus::WriteAsOffset<ConversionMetadata> for ConversionMetadata {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionMetadata> {
                    ConversionMetadata::create(builder, &self.environment, &self.options)
                }
            }

            /// Builder for serializing an instance of the [ConversionMetadata] type.
            ///
            /// Can be created using the [ConversionMetadata::builder] method.
            #[derive(Debug)]
            #[must_use]
            pub struct ConversionMetadataBuilder<State>(State);

            impl ConversionMetadataBuilder<()> {
                /// Setter for the [`environment` field](ConversionMetadata#structfield.environment).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn environment<T0>(self, value: T0) -> ConversionMetadataBuilder<(T0,)>
                where
                    T0: ::planus::WriteAsOptional<::planus::Offset<self::Environment>>,
                {
                    ConversionMetadataBuilder((value,))
                }

                /// Sets the [`environment` field](ConversionMetadata#structfield.environment) to null.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn environment_as_null(self) -> ConversionMetadataBuilder<((),)> {
                    self.environment(())
                }
            }

            impl<T0> ConversionMetadataBuilder<(T0,)> {
                /// Setter for the [`options` field](ConversionMetadata#structfield.options).
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn options<T1>(self, value: T1) -> ConversionMetadataBuilder<(T0, T1)>
                where
                    T1: ::planus::WriteAsOptional<::planus::Offset<self::ConversionOptions>>,
                {
                    let (v0,) = self.0;
                    ConversionMetadataBuilder((v0, value))
                }

                /// Sets the [`options` field](ConversionMetadata#structfield.options) to null.
                #[inline]
                #[allow(clippy::type_complexity)]
                pub fn options_as_null(self) -> ConversionMetadataBuilder<(T0, ())> {
                    self.options(())
                }
            }

            impl<T0, T1> ConversionMetadataBuilder<(T0, T1)> {
                /// Finish writing the builder to get an [Offset](::planus::Offset) to a serialized [ConversionMetadata].
                #[inline]
                pub fn finish(
                    self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionMetadata>
                where
                    Self: ::planus::WriteAsOffset<ConversionMetadata>,
                {
                    ::planus::WriteAsOffset::prepare(&self, builder)
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<self::Environment>>,
                    T1: ::planus::WriteAsOptional<::planus::Offset<self::ConversionOptions>>,
                > ::planus::WriteAs<::planus::Offset<ConversionMetadata>>
                for ConversionMetadataBuilder<(T0, T1)>
            {
                type Prepared = ::planus::Offset<ConversionMetadata>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionMetadata> {
                    ::planus::WriteAsOffset::prepare(self, builder)
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<self::Environment>>,
                    T1: ::planus::WriteAsOptional<::planus::Offset<self::ConversionOptions>>,
                > ::planus::WriteAsOptional<::planus::Offset<ConversionMetadata>>
                for ConversionMetadataBuilder<(T0, T1)>
            {
                type Prepared = ::planus::Offset<ConversionMetadata>;

                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::core::option::Option<::planus::Offset<ConversionMetadata>> {
                    ::core::option::Option::Some(::planus::WriteAsOffset::prepare(self, builder))
                }
            }

            impl<
                    T0: ::planus::WriteAsOptional<::planus::Offset<self::Environment>>,
                    T1: ::planus::WriteAsOptional<::planus::Offset<self::ConversionOptions>>,
                > ::planus::WriteAsOffset<ConversionMetadata>
                for ConversionMetadataBuilder<(T0, T1)>
            {
                #[inline]
                fn prepare(
                    &self,
                    builder: &mut ::planus::Builder,
                ) -> ::planus::Offset<ConversionMetadata> {
                    let (v0, v1) = &self.0;
                    ConversionMetadata::create(builder, v0, v1)
                }
            }

            /// Reference to a deserialized [ConversionMetadata].
            #[derive(Copy, Clone)]
            pub struct ConversionMetadataRef<'a>(
                #[allow(dead_code)] ::planus::table_reader::Table<'a>,
            );

            impl<'a> ConversionMetadataRef<'a> {
                /// Getter for the [`environment` field](ConversionMetadata#structfield.environment).
                #[inline]
                pub fn environment(
                    &self,
                ) -> ::planus::Result<::core::option::Option<self::EnvironmentRef<'a>>>
                {
                    self.0.access(0, "ConversionMetadata", "environment")
                }

                /// Getter for the [`options` field](ConversionMetadata#structfield.options).
                #[inline]
                pub fn options(
                    &self,
                ) -> ::planus::Result<::core::option::Option<self::ConversionOptionsRef<'a>>>
                {
                    self.0.access(1, "ConversionMetadata", "options")
                }
            }

            impl<'a> ::core::fmt::Debug for ConversionMetadataRef<'a> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    let mut f = f.debug_struct("ConversionMetadataRef");
                    if let ::core::option::Option::Some(field_environment) =
                        self.environment().transpose()
                    {
                        f.field("environment", &field_environment);
                    }
                    if let ::core::option::Option::Some(field_options) = self.options().transpose()
                    {
                        f.field("options", &field_options);
                    }
                    f.finish()
                }
            }

            impl<'a> ::core::convert::TryFrom<ConversionMetadataRef<'a>> for ConversionMetadata {
                type Error = ::planus::Error;

                #[allow(unreachable_code)]
                fn try_from(value: ConversionMetadataRef<'a>) -> ::planus::Result<Self> {
                    ::core::result::Result::Ok(Self {
                        environment: if let ::core::option::Option::Some(environment) =
                            value.environment()?
                        {
                            ::core::option::Option::Some(::planus::alloc::boxed::Box::new(
                                ::core::convert::TryInto::try_into(environment)?,
                            ))
                        } else {
                            ::core::option::Option::None
                        },
                        options: if let ::core::option::Option::Some(options) = value.options()? {
                            ::core::option::Option::Some(::planus::alloc::boxed::Box::new(
                                ::core::convert::TryInto::try_into(options)?,
                            ))
                        } else {
                            ::core::option::Option::None
                        },
                    })
                }
            }

            impl<'a> ::planus::TableRead<'a> for ConversionMetadataRef<'a> {
                #[inline]
                fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::core::result::Result<Self, ::planus::errors::ErrorKind> {
                    ::core::result::Result::Ok(Self(::planus::table_reader::Table::from_buffer(
                        buffer, offset,
                    )?))
                }
            }

            impl<'a> ::planus::VectorReadInner<'a> for ConversionMetadataRef<'a> {
                type Error = ::planus::Error;
                const STRIDE: usize = 4;

                unsafe fn from_buffer(
                    buffer: ::planus::SliceWithStartOffset<'a>,
                    offset: usize,
                ) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(buffer, offset).map_err(|error_kind| {
                        error_kind.with_error_location(
                            "[ConversionMetadataRef]",
                            "get",
                            buffer.offset_from_start,
                        )
                    })
                }
            }

            /// # Safety
            /// The planus compiler generates implementations that initialize
            /// the bytes in `write_values`.
            unsafe impl ::planus::VectorWrite<::planus::Offset<ConversionMetadata>> for ConversionMetadata {
                type Value = ::planus::Offset<ConversionMetadata>;
                const STRIDE: usize = 4;
                #[inline]
                fn prepare(&self, builder: &mut ::planus::Builder) -> Self::Value {
                    ::planus::WriteAs::prepare(self, builder)
                }

                #[inline]
                unsafe fn write_values(
                    values: &[::planus::Offset<ConversionMetadata>],
                    bytes: *mut ::core::mem::MaybeUninit<u8>,
                    buffer_position: u32,
                ) {
                    let bytes = bytes as *mut [::core::mem::MaybeUninit<u8>; 4];
                    for (i, v) in ::core::iter::Iterator::enumerate(values.iter()) {
                        ::planus::WriteAsPrimitive::write(
                            v,
                            ::planus::Cursor::new(unsafe { &mut *bytes.add(i) }),
                            buffer_position - (Self::STRIDE * i) as u32,
                        );
                    }
                }
            }

            impl<'a> ::planus::ReadAsRoot<'a> for ConversionMetadataRef<'a> {
                fn read_as_root(slice: &'a [u8]) -> ::planus::Result<Self> {
                    ::planus::TableRead::from_buffer(
                        ::planus::SliceWithStartOffset {
                            buffer: slice,
                            offset_from_start: 0,
                        },
                        0,
                    )
                    .map_err(|error_kind| {
                        error_kind.with_error_location("[ConversionMetadataRef]", "read_as_root", 0)
                    })
                }
            }
        }
    }
}
