"""SMQI Evidence Graph loader: extraction sheets and review records to validated RDF.

Data flows one way: read (``sheets``) -> map (``mapper``, ``reviews``) -> validate
(``validation``) -> reason (``reasoning``) -> write (``publish``). ``loader`` never
imports ``api``.
"""

__version__ = "0.1.0"
